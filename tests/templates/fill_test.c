/* fill_test.c - unit test of the template filler (generator/template.c: emit_template,
 * emit_sub). Linked with the generator's sources in place of build/templates.c, so the
 * templates below are the only ones it knows. Prints PASS/FAIL lines. */
#include <stdio.h>
#include <string.h>

#include "cnngen.h"

struct template_file { const char *name; const char *text; };
const struct template_file cnngen_templates[] = {
    {"plain.c", "/*! doc: not copied.\n * Holes: n, expr */\n"
                "int n;\nfor (n = 0; n < /*@n@*/; n++)\n    PFX_y[n] = /*@expr@*/;\n"},
    {"block.c", "{\n    /*@body@*/\n    done();\n}\n"},
    {"unused.c", "x = 1;\n"},
    /* line holes: sample code the value replaces; a block hole spans lines */
    {"line.c", "enum { N = 2 }; /*@consts@*/\nfor (n = 0; n < N; n++) {\n"
               "    y[n] = 0; /*@body{@*/\n    y[n] += 1; /*@}@*/\n    z = 1; /*@gone@*/\n}\n"},
    {"unclosed.c", "a = 1; /*@body{@*/\nb = 2;\n"},
    /* nested blocks; a NULL value keeps the sample, with its inner holes filled */
    {"nest.c", "for (u = 0; u < 3; u++) { /*@walk{@*/\n    if (u) /*@skip{@*/\n        continue; /*@}@*/\n"
               "    x = X; /*@row@*/\n} /*@}@*/\nend();\n"},
    {"nosample.c", "x = /*@v@*/;\n"},
    {"unterminated.c", "x = /*@oops;\n"},
    {NULL, NULL}
};

static int failures;

static void check(const char *name, int ok, const char *got)
{
    if (ok)
        printf("PASS template %s\n", name);
    else {
        printf("FAIL template %s: got [%s]\n", name, got ? got : "(null)");
        failures++;
    }
}

static Emitter emitter(Buf *b, int indent)
{
    Emitter e;
    memset(&e, 0, sizeof e);
    e.b = b;
    e.indent = indent;
    e.P = "net";
    e.real = "float";
    return e;
}

int main(void)
{
    Buf b = {0};
    Emitter e = emitter(&b, 1);
    Hole h[] = {{"n", "12", 0}, {"expr", "x[n] * 2", 0}};
    emit_template(&e, "plain.c", h, 2);
    check("holes, prefix, indent, doc comment dropped",
          !e.failed && b.data && strcmp(b.data, "    int n;\n    for (n = 0; n < 12; n++)\n"
                                        "        net_y[n] = x[n] * 2;\n") == 0, b.data);

    /* a generated multi-line hole takes the marker's indent; blank lines stay blank */
    Buf sub = {0};
    Emitter s = emit_sub(&e, &sub);
    emitf(&s, "a();");
    buf_puts(&sub, "\n");
    emitf(&s, "if (c)");
    emitf(&s, "    b();");
    check("emit_sub starts at indent 0", s.indent == 0 && !s.failed, sub.data);
    Buf o = {0};
    Emitter e2 = emitter(&o, 1);
    Hole hb[] = {{"body", sub.data, 0}};
    emit_template(&e2, "block.c", hb, 1);
    check("multi-line hole indented like its marker",
          !e2.failed && o.data && strcmp(o.data, "    {\n        a();\n\n        if (c)\n"
                                         "            b();\n        done();\n    }\n") == 0,
          o.data);

    /* an empty value removes the marker's line */
    Buf o2 = {0};
    Emitter e3 = emitter(&o2, 0);
    Hole he[] = {{"body", "", 0}};
    emit_template(&e3, "block.c", he, 1);
    check("empty hole removes its line",
          !e3.failed && o2.data && strcmp(o2.data, "{\n    done();\n}\n") == 0, o2.data);

    /* line holes: the sample line (and a block's lines) replaced, indented like the
     * sample; an empty value removes the line */
    Buf o3 = {0};
    Emitter e4 = emitter(&o3, 1);
    Hole hl[] = {{"consts", "enum { N = 7 };", 0}, {"body", "a();\nif (b)\n    c();", 0},
                 {"gone", "", 0}};
    emit_template(&e4, "line.c", hl, 3);
    check("line and block holes replace their sample code",
          !e4.failed && o3.data && strcmp(o3.data, "    enum { N = 7 };\n    for (n = 0; n < N; n++) {\n"
                                         "        a();\n        if (b)\n            c();\n    }\n") == 0,
          o3.data);
    buf_free(&o3);

    /* NULL keeps the sample (markers dropped, inner holes filled); a replaced outer
     * block takes its nested blocks with it */
    Buf o4 = {0};
    Emitter e5 = emitter(&o4, 0);
    Hole hk[] = {{"walk", NULL, 0}, {"skip", "", 0}, {"row", NULL, 0}};
    emit_template(&e5, "nest.c", hk, 3);
    check("NULL keeps the sample, inner holes filled",
          !e5.failed && o4.data && strcmp(o4.data, "for (u = 0; u < 3; u++) {\n    x = X;\n}\nend();\n") == 0,
          o4.data);
    buf_free(&o4);
    Buf o5 = {0};
    Emitter e6 = emitter(&o5, 0);
    Hole hn[] = {{"walk", "w();", 0}};
    emit_template(&e6, "nest.c", hn, 1);
    check("a replaced block takes its nested blocks",
          !e6.failed && o5.data && strcmp(o5.data, "w();\nend();\n") == 0, o5.data);
    buf_free(&o5);

    /* errors: unknown hole (template uses a hole not given), hole given but unused,
     * unknown template, unterminated marker; nothing is written on error */
    struct { const char *t; Hole h[2]; int n; const char *what; } bad[] = {
        {"plain.c", {{"n", "1", 0}}, 1, "unknown hole fails"},
        {"unused.c", {{"n", "1", 0}}, 1, "hole given but unused fails"},
        {"nosuch.c", {{"n", "1", 0}}, 0, "unknown template fails"},
        {"unterminated.c", {{"n", "1", 0}}, 0, "unterminated hole fails"},
        {"unclosed.c", {{"body", "x", 0}}, 1, "unclosed block hole fails"},
        {"nosample.c", {{"v", NULL, 0}}, 1, "NULL for a hole without sample code fails"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Buf ob = {0};
        Emitter eb = emitter(&ob, 0);
        fprintf(stderr, "expected error for '%s': ", bad[i].what);
        emit_template(&eb, bad[i].t, bad[i].h, bad[i].n);
        check(bad[i].what, eb.failed == 1 && ob.len == 0, ob.data);
        buf_free(&ob);
    }
    buf_free(&b);
    buf_free(&sub);
    buf_free(&o);
    buf_free(&o2);
    return failures != 0;
}
