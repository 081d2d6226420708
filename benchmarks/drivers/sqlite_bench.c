/* SQLite (Debian source, amalgamation built at bench time): a fixed SQL
 * workload on an in-memory database — inserts, an index, point lookups,
 * aggregates, a join and ORDER BY. Prints a checksum of the results. */
#include <stdio.h>
#include <stdlib.h>
#include "sqlite3.h"

#if SQLITE_OS_OTHER
/* Built with SQLITE_OS_OTHER (the wasm build): a minimal default VFS that has
 * no files at all, enough for an in-memory database. */
static int vfs_open(sqlite3_vfs *v, const char *n, sqlite3_file *f, int fl, int *o) {
    (void)v; (void)n; (void)f; (void)fl; (void)o;
    return SQLITE_CANTOPEN;
}
static int vfs_delete(sqlite3_vfs *v, const char *n, int s) { (void)v; (void)n; (void)s; return SQLITE_IOERR; }
static int vfs_access(sqlite3_vfs *v, const char *n, int f, int *r) { (void)v; (void)n; (void)f; *r = 0; return 0; }
static int vfs_full(sqlite3_vfs *v, const char *n, int len, char *out) {
    (void)v;
    snprintf(out, (size_t)len, "%s", n);
    return 0;
}
static int vfs_random(sqlite3_vfs *v, int n, char *out) {
    (void)v;
    for (int i = 0; i < n; i++) out[i] = (char)(i * 131 + 7);
    return n;
}
static int vfs_sleep(sqlite3_vfs *v, int us) { (void)v; return us; }
static int vfs_time(sqlite3_vfs *v, double *t) { (void)v; *t = 2461000.5; return 0; }
static int vfs_err(sqlite3_vfs *v, int n, char *m) { (void)v; (void)n; (void)m; return 0; }
static sqlite3_vfs bench_vfs = {1, 0, 512, 0, "bench", 0, vfs_open, vfs_delete, vfs_access, vfs_full,
                                0, 0, 0, 0, vfs_random, vfs_sleep, vfs_time, vfs_err};
int sqlite3_os_init(void) { return sqlite3_vfs_register(&bench_vfs, 1); }
int sqlite3_os_end(void) { return 0; }
#endif

static unsigned long long acc = 1469598103934665603ull;

static int collect(void *ud, int n, char **vals, char **cols) {
    (void)ud; (void)cols;
    for (int i = 0; i < n; i++)
        for (const char *p = vals[i] ? vals[i] : "NULL"; *p; p++) acc = (acc ^ (unsigned char)*p) * 1099511628211ull;
    return 0;
}

static void run(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, collect, NULL, &err) != SQLITE_OK) {
        printf("sql error: %s\n", err);
        exit(2);
    }
}

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 200000;
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
    run(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, v REAL);"
            "CREATE TABLE u(k INTEGER PRIMARY KEY, label TEXT);");
    run(db, "BEGIN");
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO t(k, name, v) VALUES(?, ?, ?)", -1, &ins, NULL);
    unsigned x = 12345;
    for (int i = 0; i < rows; i++) {
        char name[32];
        x = x * 1103515245u + 12345u;
        snprintf(name, sizeof name, "item-%u", (x >> 8) % 50000);
        sqlite3_bind_int(ins, 1, (int)((x >> 4) % 1000));
        sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(ins, 3, (double)(x % 10000) / 7.0);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    for (int k = 0; k < 1000; k++) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO u VALUES(%d, 'label-%d')", k, k * 7 % 13);
        run(db, sql);
    }
    run(db, "COMMIT");
    run(db, "CREATE INDEX t_name ON t(name)");
    run(db, "SELECT k, count(*), round(sum(v), 3), min(name), max(name) FROM t GROUP BY k ORDER BY k");
    for (int i = 0; i < 2000; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*), round(avg(v),3) FROM t WHERE name = 'item-%d'", i * 17 % 50000);
        run(db, sql);
    }
    run(db, "SELECT u.label, count(*), round(avg(t.v), 3) FROM t JOIN u ON t.k = u.k GROUP BY u.label ORDER BY 2 DESC");
    run(db, "SELECT name, v FROM t ORDER BY v DESC, name LIMIT 100");
    run(db, "SELECT count(DISTINCT name), sum(length(name)) FROM t WHERE name LIKE 'item-1%'");
    sqlite3_close(db);
    printf("%016llx\n", acc);
    return 0;
}
