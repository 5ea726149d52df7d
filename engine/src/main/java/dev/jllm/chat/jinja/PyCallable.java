package dev.jllm.chat.jinja;

/** Anything a template may call: globals, whitelisted methods, macros, {@code loop}. */
@FunctionalInterface
interface PyCallable {
    Object call(Interpreter interpreter, Args args);
}
