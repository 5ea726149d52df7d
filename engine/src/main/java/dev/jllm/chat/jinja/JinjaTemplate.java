package dev.jllm.chat.jinja;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja2 template, rendered with the environment Hugging Face's
 * {@code apply_chat_template} uses: {@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True, extensions=[loopcontrols])} plus the {@code generation} tag.
 *
 * <p>Immutable and thread-safe: each {@link #render} call has its own state.
 */
public final class JinjaTemplate {
    private final List<Stmt> body;
    private final Limits limits;

    static {
        // Initialise the engine's classes up front: a class whose static initialiser first runs
        // deep in a recursion, and fails there with StackOverflowError, would stay unusable.
        warmUp();
    }

    private static void warmUp() {
        String probe = "{% macro m(a, b=1) %}{{ a ~ b }}{% endmacro %}{% set ns = namespace(x=[]) %}"
                + "{% for k, v in {'a': (1, 2.5)}.items() if k is string %}{{ loop.index ~ m(k|trim, b=v|tojson) }}"
                + "{{ ('%s' % k).split()[0:1] }}{{ range(1)|list|length }}{{ loop.cycle(1) }}{% endfor %}{{ 1 + 1 - 1 }}";
        new Interpreter(Limits.DEFAULT).render(Parser.parse(probe, Limits.DEFAULT),
                new Scope(new Scope(null, Globals.create(java.time.Clock.systemUTC()))));
        PyMethods.bind("", "strip");
    }

    private JinjaTemplate(List<Stmt> body, Limits limits) {
        this.body = body;
        this.limits = limits;
    }

    /** Parses {@code source}. @throws TemplateSyntaxException if it is not a valid template */
    public static JinjaTemplate compile(String source) {
        return compile(source, Limits.DEFAULT);
    }

    public static JinjaTemplate compile(String source, Limits limits) {
        try {
            return new JinjaTemplate(Parser.parse(source, limits), limits);
        } catch (StackOverflowError e) {
            // a backstop: the parser's nesting limit should reject such templates first
            throw new TemplateSyntaxException("template too deeply nested", 1);
        }
    }

    /**
     * Renders with {@code variables} (values: String, Number, Boolean, null, List, Map) on top of
     * the globals; {@code clock} drives {@code strftime_now}.
     *
     * @throws TemplateException for any error the template raises or causes
     */
    public String render(Map<String, ?> variables, Clock clock) {
        java.util.Objects.requireNonNull(variables, "variables");
        java.util.Objects.requireNonNull(clock, "clock");
        Scope globals = new Scope(null, Globals.create(clock));
        Scope root = new Scope(new Scope(globals, variables));
        try {
            return new Interpreter(limits).render(body, root);
        } catch (StackOverflowError e) {
            // a backstop: the call-depth and nesting limits should stop recursion well before this
            throw new TemplateLimitException("RecursionError", "maximum recursion depth exceeded");
        }
    }
}
