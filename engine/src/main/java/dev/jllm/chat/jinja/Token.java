package dev.jllm.chat.jinja;

/** A lexer token. {@code value} is the decoded literal for STRING/INTEGER/FLOAT tokens. */
record Token(Kind kind, String text, Object value, int line) {
    enum Kind { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OP, EOF }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isName(String name) {
        return is(Kind.NAME, name);
    }

    boolean isOp(String op) {
        return is(Kind.OP, op);
    }

    /** How Jinja2 names the token in "unexpected ..." messages. */
    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VAR_END -> "end of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case VAR_BEGIN -> "begin of print statement";
            default -> "'" + text + "'";
        };
    }
}
