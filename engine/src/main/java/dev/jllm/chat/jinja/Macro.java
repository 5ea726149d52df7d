package dev.jllm.chat.jinja;

/**
 * A macro value: its definition plus the frame it was defined in. The frame is captured by
 * reference, so (as in Jinja2, where macros are Python closures) the body sees the latest values of
 * the variables around its definition, not those around the call.
 */
final class Macro implements PyCallable {
    private final Stmt.MacroDef def;
    private final Scope closure;

    Macro(Stmt.MacroDef def, Scope closure) {
        this.def = def;
        this.closure = closure;
    }

    String name() {
        return def.name();
    }

    Stmt.MacroDef def() {
        return def;
    }

    Scope closure() {
        return closure;
    }

    @Override
    public Object call(Interpreter interpreter, Args args) {
        return interpreter.callMacro(this, args);
    }
}
