package dev.jllm.chat.jinja;

import java.util.AbstractList;

/** Python's {@code range}: a lazy arithmetic sequence, printed as {@code range(0, 3)}. */
final class PyRange extends AbstractList<Object> {
    private final long start;
    private final long stop;
    private final long step;
    private final int size;

    PyRange(long start, long stop, long step) {
        if (step == 0) throw TemplateRuntimeException.valueError("range() arg 3 must not be zero");
        this.start = start;
        this.stop = stop;
        this.step = step;
        long n = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        n = Math.max(0, n);
        // Jinja2's sandbox refuses ranges above MAX_RANGE items.
        if (n > 100_000) {
            throw new TemplateRuntimeException("OverflowError",
                    "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        }
        this.size = (int) n;
    }

    @Override
    public Object get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException(index);
        return start + index * step;
    }

    @Override
    public int size() {
        return size;
    }

    String repr() {
        return step == 1 ? "range(" + start + ", " + stop + ")"
                : "range(" + start + ", " + stop + ", " + step + ")";
    }
}
