package dev.jllm;

/** A token id with its logit (unnormalised log-probability). */
public record TokenLogit(int id, float logit) {
}
