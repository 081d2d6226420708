/*
 * internal.h — shared between the files of waccwit: the arena, a growable
 * string buffer, the lexer and the parser entry points.
 */
#ifndef WACC_WIT_INTERNAL_H
#define WACC_WIT_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>

#include "wit.h"

/* ---- arena: everything of a resolve lives here, freed at once ---- */
typedef struct wit_chunk wit_chunk;
typedef struct wit_arena {
    wit_chunk *head;
} wit_arena;

void wit_arena_fini(wit_arena *a);

/* ---- string buffer (malloc'd; ok == false after an allocation failure) ---- */
typedef struct wit_buf {
    char *s;
    size_t len, cap;
    bool failed;
} wit_buf;

void wit_buf_add(wit_buf *b, const char *s, size_t n);
void wit_buf_puts(wit_buf *b, const char *s);
void wit_buf_printf(wit_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *wit_buf_take(wit_buf *b);     /* NULL if failed; the buffer is reset */
void wit_buf_free(wit_buf *b);

/* ---- lexer ---- */
enum wit_tok {
    TK_EOF, TK_ID, TK_NUM, TK_STR,
    TK_EQ, TK_COMMA, TK_COLON, TK_SEMI, TK_LPAREN, TK_RPAREN, TK_LBRACE, TK_RBRACE,
    TK_LT, TK_GT, TK_STAR, TK_ARROW, TK_SLASH, TK_DOT, TK_AT, TK_UNDERSCORE,
};

typedef struct wit_token {
    int kind;                   /* enum wit_tok */
    const char *text;           /* into the source */
    uint32_t len;
    bool explicit_id;           /* %name */
    uint32_t line, col;
    const char *docs;           /* doc comments right before it (arena), or NULL */
} wit_token;

typedef struct wit_lexer {
    wit_resolve *r;
    const char *file;
    const char *src;
    size_t len, pos;
    uint32_t line;
    size_t line_start;
    jmp_buf *fail;
} wit_lexer;

void wit_lex_init(wit_lexer *lx, wit_resolve *r, const char *file, const char *src,
                  size_t len, jmp_buf *fail);
void wit_lex_next(wit_lexer *lx, wit_token *t);

/* Set r->err to "file:line:col: message". */
void wit_set_error(wit_resolve *r, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void wit_set_error_at(wit_resolve *r, wit_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- parser: one file's top-level use aliases (a scope) ---- */
typedef struct wit_scope {
    uint32_t n;
    wit_path **paths;           /* use path as alias */
    const char **aliases;
} wit_scope;

/* Parse one file into the resolve; `dir` records where it came from;
 * *pkg_out is the file's own package (NULL if it declares none: then its
 * items go to *pending for the caller to attach). */
typedef struct wit_pending {
    uint32_t ninterfaces, nworlds;
    wit_interface **interfaces;
    wit_world **worlds;
} wit_pending;

bool wit_parse_file(wit_resolve *r, const char *file, const char *src, size_t len,
                    wit_package **pkg_out, wit_pending *pending);
bool wit_attach(wit_resolve *r, wit_package *p, wit_pending *pending);

const char *wit_prim_name(int kind);
bool wit_is_prim_kind(int kind);
#endif
