package dev.jllm.tools.server;

import java.util.List;

import dev.jllm.ChatMessage;
import dev.jllm.Tool;
import dev.jllm.ToolChoice;

/** A validated {@code POST /v1/chat/completions} request: the conversation, the tools it offers (may be empty) and the choice. */
record ChatRequest(List<ChatMessage> messages, List<Tool> tools, ToolChoice toolChoice, RequestOptions options) {
}
