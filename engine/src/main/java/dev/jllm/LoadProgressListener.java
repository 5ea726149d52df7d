package dev.jllm;

/** Reports model loading progress (for a progress bar). Called on the loading thread. */
@FunctionalInterface
public interface LoadProgressListener {
    /**
     * Called at each stage of loading.
     *
     * @param stage    what is happening ("reading metadata", "loading tokenizer", "mapping weights")
     * @param fraction overall progress from 0 to 1
     */
    void onProgress(String stage, double fraction);

    /** A listener that ignores progress. */
    LoadProgressListener NONE = (stage, fraction) -> {};
}
