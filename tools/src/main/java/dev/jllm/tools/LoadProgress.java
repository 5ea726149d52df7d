package dev.jllm.tools;

import dev.jllm.LoadProgressListener;

/**
 * Shows model-loading progress on stderr once loading has taken more than a second: a line
 * redrawn in place on a terminal, or a line per stage otherwise. Quick loads print nothing.
 */
final class LoadProgress implements LoadProgressListener {
    private final long start = System.nanoTime();
    private String lastStage = "";
    private boolean shown;

    @Override
    public void onProgress(String stage, double fraction) {
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        if (elapsedMs < 1000 && fraction < 1.0) return;
        if (elapsedMs < 1000 && !shown) return; // finished quickly: stay silent
        int pct = (int) Math.round(fraction * 100);
        if (Console.interactive()) {
            Console.ERR.print("\rloading model: " + stage + " " + pct + "%   ");
            if (fraction >= 1.0) Console.ERR.println();
        } else if (!stage.equals(lastStage)) {
            Console.ERR.println("loading model: " + stage + " (" + pct + "%)");
        }
        lastStage = stage;
        shown = true;
    }
}
