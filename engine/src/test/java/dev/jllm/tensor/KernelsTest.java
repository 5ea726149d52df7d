package dev.jllm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The build runs some tests again with vectors capped at 256 and at 128 bits
 * ({@code -XX:MaxVectorSize}, see engine/pom.xml) and says so in {@code jllm.expect.vectorBits}:
 * this checks that the cap took hold and that the right kernels run under it — all the SIMD
 * kernels at 256 bits; at 128 the gemv kernels of every weight type, none of the batched
 * ones — so that those runs test what they claim to.
 */
class KernelsTest {
    @Test
    void theCappedRunsRunTheKernelsTheyClaimTo() {
        String expected = System.getProperty("jllm.expect.vectorBits");
        assumeTrue(expected != null, "only in the runs with capped vectors");
        int bits = Integer.parseInt(expected);
        assertEquals(bits, Kernels.vectorBits(), "preferred vector width");
        assertEquals(bits >= 256, Kernels.simd(), Kernels.describe());
    }
}
