package dev.jllm;

/** Why generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token, or the text reached a stop string. */
    STOP,
    /** The token limit was reached, or the context window is full. */
    LENGTH,
    /** Cancelled by the caller (listener returned STOP, or {@link Session#cancel()}). */
    CANCELLED;

    /** The lower-case name used in JSON (stop, length, cancelled). */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
