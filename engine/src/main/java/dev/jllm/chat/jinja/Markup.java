package dev.jllm.chat.jinja;

/**
 * markupsafe's {@code Markup}: a string marked safe by {@code |safe} or produced by {@code |escape}.
 *
 * <p>With autoescape off it prints like any string. The one behaviour templates can observe is
 * that {@code str + Markup} (and {@code Markup + str}) HTML-escapes the plain operand, which
 * {@link PyOps#add} reproduces. Elsewhere a Markup is treated as its plain text.
 */
record Markup(String text) {
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
