/*
 * wasi_abi.h — wasi_snapshot_preview1 constants and guest struct layouts
 * (from the preview1 witx: typenames.witx). Offsets are byte offsets in
 * guest memory, little-endian.
 */
#ifndef WACC_WASI_ABI_H
#define WACC_WASI_ABI_H

/* errno */
enum {
    WE_SUCCESS = 0, WE_2BIG = 1, WE_ACCES = 2, WE_ADDRINUSE = 3, WE_ADDRNOTAVAIL = 4,
    WE_AFNOSUPPORT = 5, WE_AGAIN = 6, WE_ALREADY = 7, WE_BADF = 8, WE_BADMSG = 9,
    WE_BUSY = 10, WE_CANCELED = 11, WE_CHILD = 12, WE_CONNABORTED = 13,
    WE_CONNREFUSED = 14, WE_CONNRESET = 15, WE_DEADLK = 16, WE_DESTADDRREQ = 17,
    WE_DOM = 18, WE_DQUOT = 19, WE_EXIST = 20, WE_FAULT = 21, WE_FBIG = 22,
    WE_HOSTUNREACH = 23, WE_IDRM = 24, WE_ILSEQ = 25, WE_INPROGRESS = 26, WE_INTR = 27,
    WE_INVAL = 28, WE_IO = 29, WE_ISCONN = 30, WE_ISDIR = 31, WE_LOOP = 32,
    WE_MFILE = 33, WE_MLINK = 34, WE_MSGSIZE = 35, WE_MULTIHOP = 36,
    WE_NAMETOOLONG = 37, WE_NETDOWN = 38, WE_NETRESET = 39, WE_NETUNREACH = 40,
    WE_NFILE = 41, WE_NOBUFS = 42, WE_NODEV = 43, WE_NOENT = 44, WE_NOEXEC = 45,
    WE_NOLCK = 46, WE_NOLINK = 47, WE_NOMEM = 48, WE_NOMSG = 49, WE_NOPROTOOPT = 50,
    WE_NOSPC = 51, WE_NOSYS = 52, WE_NOTCONN = 53, WE_NOTDIR = 54, WE_NOTEMPTY = 55,
    WE_NOTRECOVERABLE = 56, WE_NOTSOCK = 57, WE_NOTSUP = 58, WE_NOTTY = 59,
    WE_NXIO = 60, WE_OVERFLOW = 61, WE_OWNERDEAD = 62, WE_PERM = 63, WE_PIPE = 64,
    WE_PROTO = 65, WE_PROTONOSUPPORT = 66, WE_PROTOTYPE = 67, WE_RANGE = 68,
    WE_ROFS = 69, WE_SPIPE = 70, WE_SRCH = 71, WE_STALE = 72, WE_TIMEDOUT = 73,
    WE_TXTBSY = 74, WE_XDEV = 75, WE_NOTCAPABLE = 76,
};

/* What a path leaving its preopen (absolute, `..`, symlink out) returns:
 * `perm`, as the wasi-filesystem path-resolution rules and Wasmtime do. */
#define WE_ESCAPE WE_PERM

/* rights (u64 bit positions) */
#define WR(bit) ((uint64_t)1 << (bit))
#define WR_FD_DATASYNC            WR(0)
#define WR_FD_READ                WR(1)
#define WR_FD_SEEK                WR(2)
#define WR_FD_FDSTAT_SET_FLAGS    WR(3)
#define WR_FD_SYNC                WR(4)
#define WR_FD_TELL                WR(5)
#define WR_FD_WRITE               WR(6)
#define WR_FD_ADVISE              WR(7)
#define WR_FD_ALLOCATE            WR(8)
#define WR_PATH_CREATE_DIRECTORY  WR(9)
#define WR_PATH_CREATE_FILE       WR(10)
#define WR_PATH_LINK_SOURCE       WR(11)
#define WR_PATH_LINK_TARGET       WR(12)
#define WR_PATH_OPEN              WR(13)
#define WR_FD_READDIR             WR(14)
#define WR_PATH_READLINK          WR(15)
#define WR_PATH_RENAME_SOURCE     WR(16)
#define WR_PATH_RENAME_TARGET     WR(17)
#define WR_PATH_FILESTAT_GET      WR(18)
#define WR_PATH_FILESTAT_SET_SIZE WR(19)
#define WR_PATH_FILESTAT_SET_TIMES WR(20)
#define WR_FD_FILESTAT_GET        WR(21)
#define WR_FD_FILESTAT_SET_SIZE   WR(22)
#define WR_FD_FILESTAT_SET_TIMES  WR(23)
#define WR_PATH_SYMLINK           WR(24)
#define WR_PATH_REMOVE_DIRECTORY  WR(25)
#define WR_PATH_UNLINK_FILE       WR(26)
#define WR_POLL_FD_READWRITE      WR(27)
#define WR_SOCK_SHUTDOWN          WR(28)
#define WR_SOCK_ACCEPT            WR(29)
#define WR_ALL                    (WR(30) - 1)

/* Rights that make sense on a regular file / on a directory. */
#define WR_FILE (WR_FD_DATASYNC | WR_FD_READ | WR_FD_SEEK | WR_FD_FDSTAT_SET_FLAGS | \
                 WR_FD_SYNC | WR_FD_TELL | WR_FD_WRITE | WR_FD_ADVISE | WR_FD_ALLOCATE | \
                 WR_FD_FILESTAT_GET | WR_FD_FILESTAT_SET_SIZE | WR_FD_FILESTAT_SET_TIMES | \
                 WR_POLL_FD_READWRITE)
#define WR_DIR  (WR_FD_FDSTAT_SET_FLAGS | WR_FD_SYNC | WR_FD_ADVISE | WR_PATH_CREATE_DIRECTORY | \
                 WR_PATH_CREATE_FILE | WR_PATH_LINK_SOURCE | WR_PATH_LINK_TARGET | WR_PATH_OPEN | \
                 WR_FD_READDIR | WR_PATH_READLINK | WR_PATH_RENAME_SOURCE | \
                 WR_PATH_RENAME_TARGET | WR_PATH_FILESTAT_GET | WR_PATH_FILESTAT_SET_SIZE | \
                 WR_PATH_FILESTAT_SET_TIMES | WR_FD_FILESTAT_GET | WR_FD_FILESTAT_SET_TIMES | \
                 WR_PATH_SYMLINK | WR_PATH_REMOVE_DIRECTORY | WR_PATH_UNLINK_FILE)
/* A stream (tty, pipe, socket): a file without seek/tell (wasi-libc's isatty
 * looks for a character device lacking these two). */
#define WR_STREAM ((WR_FILE & ~(WR_FD_SEEK | WR_FD_TELL)) | WR_SOCK_SHUTDOWN | WR_SOCK_ACCEPT)

/* filetype (u8) */
enum {
    WF_UNKNOWN = 0, WF_BLOCK_DEVICE = 1, WF_CHARACTER_DEVICE = 2, WF_DIRECTORY = 3,
    WF_REGULAR_FILE = 4, WF_SOCKET_DGRAM = 5, WF_SOCKET_STREAM = 6, WF_SYMBOLIC_LINK = 7,
};

/* fdflags (u16) */
#define WFD_APPEND   0x01
#define WFD_DSYNC    0x02
#define WFD_NONBLOCK 0x04
#define WFD_RSYNC    0x08
#define WFD_SYNC     0x10

/* oflags (u16) */
#define WO_CREAT     0x01
#define WO_DIRECTORY 0x02
#define WO_EXCL      0x04
#define WO_TRUNC     0x08

/* lookupflags (u32) */
#define WL_SYMLINK_FOLLOW 0x01

/* fstflags (u16) */
#define WT_ATIM      0x01
#define WT_ATIM_NOW  0x02
#define WT_MTIM      0x04
#define WT_MTIM_NOW  0x08

/* whence (u8) */
enum { WW_SET = 0, WW_CUR = 1, WW_END = 2 };

/* advice (u8) */
enum { WA_NORMAL = 0, WA_SEQUENTIAL = 1, WA_RANDOM = 2, WA_WILLNEED = 3, WA_DONTNEED = 4,
       WA_NOREUSE = 5 };

/* clockid (u32) */
enum { WC_REALTIME = 0, WC_MONOTONIC = 1, WC_PROCESS_CPUTIME = 2, WC_THREAD_CPUTIME = 3 };

/* eventtype (u8), subclockflags (u16), eventrwflags (u16) */
enum { WEV_CLOCK = 0, WEV_FD_READ = 1, WEV_FD_WRITE = 2 };
#define WSC_ABSTIME 0x01
#define WEVRW_HANGUP 0x01

/* riflags, roflags, sdflags, preopentype */
#define WRI_RECV_PEEK    0x01
#define WRI_RECV_WAITALL 0x02
#define WRO_RECV_DATA_TRUNCATED 0x01
#define WSD_RD 0x01
#define WSD_WR 0x02
#define WPRE_DIR 0

/* struct iovec / ciovec: { u32 buf; u32 buf_len; } */
#define IOVEC_SIZE 8

/* struct fdstat (24, align 8) */
#define FDSTAT_SIZE 24
#define FDSTAT_FILETYPE 0       /* u8 */
#define FDSTAT_FLAGS 2          /* u16 */
#define FDSTAT_RIGHTS_BASE 8    /* u64 */
#define FDSTAT_RIGHTS_INH 16    /* u64 */

/* struct filestat (64, align 8) */
#define FILESTAT_SIZE 64
#define FILESTAT_DEV 0
#define FILESTAT_INO 8
#define FILESTAT_FILETYPE 16    /* u8 */
#define FILESTAT_NLINK 24
#define FILESTAT_SIZE_ 32
#define FILESTAT_ATIM 40
#define FILESTAT_MTIM 48
#define FILESTAT_CTIM 56

/* struct dirent (24) followed by the name (not NUL-terminated) */
#define DIRENT_SIZE 24
#define DIRENT_NEXT 0           /* u64 dircookie */
#define DIRENT_INO 8            /* u64 */
#define DIRENT_NAMLEN 16        /* u32 */
#define DIRENT_TYPE 20          /* u8 filetype */

/* struct prestat (8): { u8 tag; u32 pr_name_len at 4 } */
#define PRESTAT_SIZE 8

/* struct subscription (48): userdata u64 @0, tag u8 @8, union @16:
 *   clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
 *   fd_readwrite: fd u32 @16 */
#define SUB_SIZE 48
#define SUB_USERDATA 0
#define SUB_TAG 8
#define SUB_CLOCK_ID 16
#define SUB_CLOCK_TIMEOUT 24
#define SUB_CLOCK_PRECISION 32
#define SUB_CLOCK_FLAGS 40
#define SUB_FD 16

/* struct event (32): userdata u64 @0, error u16 @8, type u8 @10,
 *   fd_readwrite: nbytes u64 @16, flags u16 @24 */
#define EVENT_SIZE 32
#define EVENT_USERDATA 0
#define EVENT_ERROR 8
#define EVENT_TYPE 10
#define EVENT_NBYTES 16
#define EVENT_FLAGS 24

#endif
