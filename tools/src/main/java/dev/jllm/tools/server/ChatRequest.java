package dev.jllm.tools.server;

import java.util.List;
import java.util.Map;

import dev.jllm.ChatMessage;
import dev.jllm.Tool;
import dev.jllm.ToolChoice;

/**
 * A validated {@code POST /v1/chat/completions} request: the conversation, the tools it offers
 * (may be empty) and the choice, and whether thinking goes to {@code reasoning_content}
 * ({@code reasoning_format}: {@code auto} or {@code deepseek}, the default) or stays in the content ({@code none}),
 * and the extra chat-template variables ({@code chat_template_kwargs}).
 */
record ChatRequest(List<ChatMessage> messages, List<Tool> tools, ToolChoice toolChoice, boolean separateReasoning,
                   Map<String, Object> templateArguments, RequestOptions options) {
}
