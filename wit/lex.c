/*
 * lex.c — WIT tokens: identifiers (kebab-case, %explicit), numbers and
 * versions (a digit-led run of [0-9A-Za-z.+-]), string literals, operators.
 * Comments are skipped; doc comments (triple-slash lines and slash-star-star
 * blocks) are gathered and attached to the next token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void wit_lex_init(wit_lexer *lx, wit_resolve *r, const char *file, const char *src,
                  size_t len, jmp_buf *fail)
{
    memset(lx, 0, sizeof *lx);
    lx->r = r;
    lx->file = file;
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->fail = fail;
}

static void lex_fail(wit_lexer *lx, const char *msg)
{
    wit_set_error(lx->r, lx->file, lx->line, (uint32_t)(lx->pos - lx->line_start) + 1,
                  "%s", msg);
    longjmp(*lx->fail, 1);
}

static int peekc(const wit_lexer *lx, size_t ahead)
{
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void advance(wit_lexer *lx)
{
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->line_start = lx->pos + 1;
    }
    lx->pos++;
}

static void add_doc(wit_lexer *lx, wit_buf *docs, const char *s, size_t n)
{
    (void)lx;
    if (n > 0 && s[0] == ' ')
        s++, n--;
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    wit_buf_add(docs, "\n", 1);    /* every line starts with \n (dropped later) */
    wit_buf_add(docs, s, n);
}

/* Skip whitespace and comments; collect doc comments into docs. */
static void skip_space(wit_lexer *lx, wit_buf *docs, bool *have_docs)
{
    for (;;) {
        int c = peekc(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            advance(lx);
        } else if (c == '/' && peekc(lx, 1) == '/') {
            bool doc = peekc(lx, 2) == '/' && peekc(lx, 3) != '/';
            size_t start = lx->pos + 3;
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                advance(lx);
            if (doc) {
                add_doc(lx, docs, lx->src + start, lx->pos - start);
                *have_docs = true;
            }
        } else if (c == '/' && peekc(lx, 1) == '*') {
            bool doc = peekc(lx, 2) == '*' && peekc(lx, 3) != '*' && peekc(lx, 3) != '/';
            size_t start = lx->pos + 3;
            int depth = 0;
            size_t end = 0;
            do {
                if (lx->pos >= lx->len)
                    lex_fail(lx, "unterminated block comment");
                if (peekc(lx, 0) == '/' && peekc(lx, 1) == '*') {
                    depth++;
                    advance(lx);
                    advance(lx);
                } else if (peekc(lx, 0) == '*' && peekc(lx, 1) == '/') {
                    depth--;
                    end = lx->pos;
                    advance(lx);
                    advance(lx);
                } else {
                    advance(lx);
                }
            } while (depth > 0);
            if (doc && end >= start) {
                /* one doc line per source line, leading " * " trimmed */
                const char *s = lx->src + start, *e = lx->src + end;
                while (s < e) {
                    const char *nl = memchr(s, '\n', (size_t)(e - s));
                    const char *le = nl ? nl : e;
                    const char *ls = s;
                    while (ls < le && (*ls == ' ' || *ls == '\t'))
                        ls++;
                    if (ls < le && *ls == '*')
                        ls++;
                    if (le > ls || nl != NULL)
                        add_doc(lx, docs, ls, (size_t)(le - ls));
                    s = nl ? nl + 1 : e;
                }
                *have_docs = true;
            }
        } else {
            return;
        }
    }
}

static bool id_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool id_char(int c)
{
    return id_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* kebab-case: words of [a-z0-9] or [A-Z0-9] starting with a letter, joined by '-' */
static bool kebab_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (!id_start((unsigned char)s[i]))
            return false;
        bool lower = s[i] >= 'a' && s[i] <= 'z';
        while (i < n && s[i] != '-') {
            char c = s[i];
            if (c >= '0' && c <= '9') {
            } else if (lower ? !(c >= 'a' && c <= 'z') : !(c >= 'A' && c <= 'Z')) {
                return false;
            }
            i++;
        }
        if (i < n) {            /* at '-' */
            i++;
            if (i == n)
                return false;
        }
    }
    return n > 0;
}

void wit_lex_next(wit_lexer *lx, wit_token *t)
{
    wit_buf docs = {0};
    bool have_docs = false;
    skip_space(lx, &docs, &have_docs);
    memset(t, 0, sizeof *t);
    if (have_docs) {
        /* drop leading/trailing empty lines */
        const char *d = docs.s ? docs.s : "";
        size_t n = docs.len;
        while (n > 0 && d[0] == '\n' && (n == 1 || d[1] == '\n'))
            d++, n--;
        while (n > 0 && d[n - 1] == '\n')
            n--;
        if (n > 0 && d[0] == '\n')
            d++, n--;
        t->docs = wit_strndup(lx->r, d, n);
        wit_buf_free(&docs);
        if (t->docs == NULL)
            lex_fail(lx, "out of memory");
    }
    t->line = lx->line;
    t->col = (uint32_t)(lx->pos - lx->line_start) + 1;
    t->text = lx->src + lx->pos;
    if (lx->pos >= lx->len) {
        t->kind = TK_EOF;
        return;
    }
    int c = peekc(lx, 0);
    size_t start = lx->pos;
    if (c == '%' || id_start(c)) {
        if (c == '%') {
            t->explicit_id = true;
            advance(lx);
            start++;
            t->text++;
        }
        while (lx->pos < lx->len && id_char(peekc(lx, 0)))
            advance(lx);
        t->kind = TK_ID;
        t->len = (uint32_t)(lx->pos - start);
        if (!kebab_ok(t->text, t->len)) {
            lx->pos = start;
            lex_fail(lx, "identifier is not in kebab-case");
        }
        return;
    }
    if (c >= '0' && c <= '9') {
        while (lx->pos < lx->len) {
            int d = peekc(lx, 0);
            if (!(id_char(d) || d == '.' || d == '+'))
                break;
            if (d == '.' && !id_char(peekc(lx, 1)))
                break;                  /* `@1.0.0.{a}`: the dot ends it */
            advance(lx);
        }
        t->kind = TK_NUM;
        t->len = (uint32_t)(lx->pos - start);
        return;
    }
    if (c == '"') {
        advance(lx);
        while (lx->pos < lx->len && peekc(lx, 0) != '"') {
            if (peekc(lx, 0) == '\n')
                lex_fail(lx, "newline in string literal");
            if (peekc(lx, 0) == '\\')
                advance(lx);
            if (lx->pos < lx->len)
                advance(lx);
        }
        if (lx->pos >= lx->len)
            lex_fail(lx, "unterminated string literal");
        advance(lx);
        t->kind = TK_STR;
        t->text = lx->src + start + 1;
        t->len = (uint32_t)(lx->pos - start - 2);
        return;
    }
    advance(lx);
    t->len = 1;
    switch (c) {
    case '=': t->kind = TK_EQ; return;
    case ',': t->kind = TK_COMMA; return;
    case ':': t->kind = TK_COLON; return;
    case ';': t->kind = TK_SEMI; return;
    case '(': t->kind = TK_LPAREN; return;
    case ')': t->kind = TK_RPAREN; return;
    case '{': t->kind = TK_LBRACE; return;
    case '}': t->kind = TK_RBRACE; return;
    case '<': t->kind = TK_LT; return;
    case '>': t->kind = TK_GT; return;
    case '*': t->kind = TK_STAR; return;
    case '/': t->kind = TK_SLASH; return;
    case '.': t->kind = TK_DOT; return;
    case '@': t->kind = TK_AT; return;
    case '_': t->kind = TK_UNDERSCORE; return;
    case '-':
        if (peekc(lx, 0) == '>') {
            advance(lx);
            t->kind = TK_ARROW;
            t->len = 2;
            return;
        }
        break;
    default:
        break;
    }
    lx->pos = start;
    if (c < 0x20 || c >= 0x7f)
        lex_fail(lx, "unexpected character");
    lex_fail(lx, "unexpected character");
}
