package dev.jllm.chat.jinja;

import java.util.List;

/**
 * The {@code loop} variable of a for loop: index/index0/revindex/revindex0, first/last, length,
 * previtem/nextitem (undefined at the ends), depth/depth0, {@code cycle(...)}, {@code changed(...)},
 * and, for a {@code recursive} loop, {@code loop(children)}.
 */
final class LoopContext implements PyCallable {
    /** {@link #attribute} result for names a loop does not have. */
    static final Object NO_ATTR = new Object();

    private final List<Object> items;
    private final int depth0;
    private final PyCallable recurse;
    private int index0;
    private List<Object> lastChanged;

    LoopContext(List<Object> items, int depth0, PyCallable recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    void moveTo(int index0) {
        this.index0 = index0;
    }

    int index() {
        return index0 + 1;
    }

    int length() {
        return items.size();
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.hint("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.hint("there is no next item");
            case "cycle" -> (PyCallable) (in, args) -> {
                if (args.positional().isEmpty()) throw TemplateRuntimeException.typeError("no items for cycling given");
                return args.positional().get(index0 % args.positional().size());
            };
            case "changed" -> (PyCallable) (in, args) -> {
                if (lastChanged != null && Py.eq(new PyTuple(lastChanged), new PyTuple(args.positional()))) return false;
                lastChanged = args.positional();
                return true;
            };
            default -> NO_ATTR;
        };
    }

    @Override
    public Object call(Interpreter interpreter, Args args) {
        if (recurse == null) {
            throw TemplateRuntimeException.typeError("The loop must be declared 'recursive' to be called");
        }
        return recurse.call(interpreter, args);
    }
}
