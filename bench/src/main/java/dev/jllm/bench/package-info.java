/** JMH benchmarks of jllm's kernels. */
package dev.jllm.bench;
