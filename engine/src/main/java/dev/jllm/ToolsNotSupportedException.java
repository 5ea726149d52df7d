package dev.jllm;

/**
 * Tools were given for a model whose chat template shows no tools in a tool-call syntax jllm
 * reads ({@link Model#chatPrompt(java.util.List, java.util.List, ToolChoice)}).
 */
public final class ToolsNotSupportedException extends JllmException {
    /** @param message a one-line message */
    public ToolsNotSupportedException(String message) {
        super(message);
    }
}
