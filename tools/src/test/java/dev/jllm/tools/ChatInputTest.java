package dev.jllm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

class ChatInputTest {
    @Test
    void messagesAreStrippedTextAndBlankLinesAreEmpty() {
        assertEquals(new ChatInput.Message("Hello there"), ChatInput.parse("  Hello there \t"));
        assertEquals(new ChatInput.Message("what is 1/2?"), ChatInput.parse("what is 1/2?"));
        assertInstanceOf(ChatInput.Empty.class, ChatInput.parse(""));
        assertInstanceOf(ChatInput.Empty.class, ChatInput.parse("   \t "));
    }

    @Test
    void commandsAreRecognisedWhateverTheCaseAndSpacing() {
        assertInstanceOf(ChatInput.Reset.class, ChatInput.parse("/reset"));
        assertInstanceOf(ChatInput.Reset.class, ChatInput.parse("  /RESET  "));
        assertInstanceOf(ChatInput.Exit.class, ChatInput.parse("/exit"));
        assertInstanceOf(ChatInput.Exit.class, ChatInput.parse("/quit"));
        assertInstanceOf(ChatInput.Help.class, ChatInput.parse("/help"));
    }

    @Test
    void systemTakesTheRestOfTheLine() {
        assertEquals(new ChatInput.SystemPrompt("You are a pirate.  Arr."), ChatInput.parse("/system   You are a pirate.  Arr.  "));
        assertEquals(new ChatInput.SystemPrompt(""), ChatInput.parse("/system"));
        assertEquals(new ChatInput.SystemPrompt("x"), ChatInput.parse("/system\tx"));
        assertEquals(new ChatInput.Think("off"), ChatInput.parse("/think OFF"));
        assertEquals(new ChatInput.Think(""), ChatInput.parse("/think"));
    }

    @Test
    void unknownCommandsAreNamedAndDoubleSlashSendsASlash() {
        assertEquals(new ChatInput.Unknown("/frobnicate"), ChatInput.parse("/frobnicate now please"));
        assertEquals(new ChatInput.Unknown("/resetx"), ChatInput.parse("/resetx"));
        assertEquals(new ChatInput.Message("/usr/bin is a folder"), ChatInput.parse("//usr/bin is a folder"));
    }
}
