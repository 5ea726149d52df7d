package dev.jllm;

import java.util.List;

/**
 * Streams generated text while watching for stop strings: text that could be the beginning of
 * a stop string is held back until it is clear whether the stop string follows, so a caller
 * never sees any part of a stop string.
 */
final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder emitted = new StringBuilder();
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds generated text; returns the part that can be shown now. */
    String push(String piece) {
        if (stopped) return "";
        pending.append(piece);
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0) {
                stopped = true;
                String out = pending.substring(0, at);
                pending.setLength(0);
                emitted.append(out);
                return out;
            }
        }
        int keep = longestStopPrefixSuffix();
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        emitted.append(out);
        return out;
    }

    /** End of generation: whatever was held back is shown after all. */
    String flush() {
        if (stopped) return "";
        String out = pending.toString();
        pending.setLength(0);
        emitted.append(out);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** All text shown so far. */
    String text() {
        return emitted.toString();
    }

    /** Length of the longest end of the pending text that is a proper prefix of some stop string. */
    private int longestStopPrefixSuffix() {
        int best = 0;
        String text = pending.toString();
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length()); len > best; len--) {
                if (text.regionMatches(text.length() - len, s, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
