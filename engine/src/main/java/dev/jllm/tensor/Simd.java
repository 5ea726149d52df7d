package dev.jllm.tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector shapes shared by the kernels. Everything is sized from the preferred float species
 * (16 lanes with AVX-512, 8 with AVX2): byte, short and int species with the same lane count let
 * a kernel load N narrow values and widen them into exactly one float vector.
 *
 * <p>Two rules every kernel keeps, because C2 compiles a large Vector API method well only while
 * it knows each vector's exact class as it parses it:
 * <ul>
 * <li>Conversions name their target species ({@code reinterpretShape(I_FOR_F, 0)},
 *     {@code convertShape(I2F, F, 0)}), never the species-computing forms
 *     ({@code reinterpretAsInts()}, {@code convert(I2F, 0)}), whose results C2 may not know
 *     exactly.
 * <li>No kernel computes in a narrower shape of an element type it also computes with at full
 *     width (the Q4_K/Q5_K min terms in 4-lane ints beside 16-lane ones were such a case; eight
 *     scalar products do it now). That holds for loads too: the Q6_K gemv loaded its scales
 *     in a narrower byte shape until a boxing compile of that kernel was caught (2026-11-29);
 *     it and Q2_K now take them from loads in their own shapes (Q3_K builds its scales in
 *     its own int shape).
 * </ul>
 * Why: past ~18,000 nodes C2 defers the rest of a method's inlining, and a vector of inexact
 * class then meets a Vector API method whose type profile — shared by every caller in the JVM —
 * has seen several shapes. C2 splits on the profile, merges the shapes again, and from there
 * boxes every vector: the kernel allocates on each call and runs 2-4× slower. Whether that
 * happens depends on what ran before the compile (Q5_K_M decoding ran at 6 tok/s in most
 * processes, 20 in some). The rules made it rarer; compiling each weight type's gemv first,
 * on its own ({@code GemvWarmUp}), made it disappear from the runs measured since. The gemv
 * kernels' super-block bodies stay written out: as loops they carried vectors from one
 * iteration to the next, which C2 boxed every time.
 *
 * <p>Helpers of our own that take or return vectors are kept out of the kernels: C2 inlines
 * them only while the caller's graph is small and the helper has no large compiled body of its
 * own, and a call it does not inline boxes every vector passed (attention's exponential and
 * F16 conversion did, megabytes a token, in some processes). Shared element functions take
 * arrays ({@link VectorMath}); {@link #sumLanes} is the one small exception, called once per
 * dot product.
 *
 * <p>Float lanes are summed with {@link #sumLanes}, never {@code reduceLanes(ADD)}: C2 and the
 * interpreter add the lanes in different orders, so a kernel would answer differently before
 * and after it is compiled, and a seeded generation could change with what ran before it.
 * (Integer lanes sum exactly in any order.)
 */
final class Simd {
    private Simd() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int FLEN = F.length();
    static final VectorSpecies<Byte> B_FOR_F = ByteVector.SPECIES_128.length() == FLEN ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final VectorSpecies<Short> S_FOR_F = VectorSpecies.of(short.class, shape(FLEN * 16));
    /** 2·FLEN bytes widened to 2·FLEN shorts, which reinterpret as FLEN ints (pairs of shorts). */
    static final VectorSpecies<Byte> B_2F = VectorSpecies.of(byte.class, shape(FLEN * 16));
    static final VectorSpecies<Short> S_2F = VectorSpecies.of(short.class, shape(FLEN * 32));
    static final VectorSpecies<Integer> I_FOR_F = VectorSpecies.of(int.class, shape(FLEN * 32));

    /**
     * The species of the 16-bit integer gemv kernels of the 32-value block formats (Q4_1, Q5_0,
     * Q5_1, IQ4_NL): 8 float lanes where FLEN is 16, else FLEN. A block's 16 packed bytes widen
     * to 16 short lanes at most, so 512-bit vectors would leave half of each step idle. Q4_1's
     * runs at 256 bits on AVX-512 processors too (faster there than its float lanes were); the
     * others keep float-lane kernels at 512 bits, which are as fast or faster.
     */
    static final VectorSpecies<Float> F_NARROW = FLEN == 16 ? FloatVector.SPECIES_256 : F;
    static final int NFLEN = F_NARROW.length();
    static final VectorSpecies<Byte> B_NARROW = VectorSpecies.of(byte.class, shape(NFLEN * 16));
    static final VectorSpecies<Short> S_NARROW = VectorSpecies.of(short.class, shape(NFLEN * 32));
    static final VectorSpecies<Integer> I_NARROW = VectorSpecies.of(int.class, shape(NFLEN * 32));

    /** Swaps neighbouring int lanes: v + v.rearrange(INT_PAIR_SWAP) adds each pair of lanes. */
    static final VectorShuffle<Integer> INT_PAIR_SWAP = VectorShuffle.fromOp(I_FOR_F, i -> i ^ 1);

    /** Lane i ↔ lane i ^ d: adding a vector to itself so rearranged folds it in halves (see {@link #sumLanes}). */
    private static final VectorShuffle<Float> SWAP_8 = VectorShuffle.fromOp(F, i -> (i ^ 8) % FLEN);
    private static final VectorShuffle<Float> SWAP_4 = VectorShuffle.fromOp(F, i -> i ^ 4);
    private static final VectorShuffle<Float> SWAP_2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    private static final VectorShuffle<Float> SWAP_1 = VectorShuffle.fromOp(F, i -> i ^ 1);

    /** The vector shape of {@code bits} bits, clamped to the shapes that exist (only narrow hardware reaches the clamp). */
    private static VectorShape shape(int bits) {
        return VectorShape.forBitSize(Math.max(64, Math.min(512, bits)));
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    /**
     * Whether the SIMD kernels run here: they are written for 16 or 8 float lanes (512- or
     * 256-bit vectors: AVX-512, AVX2, wide SVE), loading as many bytes as floats, and there is
     * no 4-lane byte shape for 128-bit hardware (NEON on Apple Silicon and most ARM servers,
     * SSE). There {@link MatMul} runs the gemv kernels, which every format has in a form for
     * 128 bits ({@link #NARROW_128}), token by token; on narrower hardware still, the scalar
     * twins: slower, the same arithmetic up to float rounding. {@link Kernels} reports which.
     */
    static final boolean WIDE = (FLEN == 16 || FLEN == 8) && B_FOR_F.length() == FLEN;

    /**
     * 128-bit vectors (4 float lanes): the gemv kernels run (each format's {@code dot} has a
     * form for them: 2·FLEN bytes a step in short lanes, or float lanes), the batched ones not.
     * The build's 128-bit test run holds every format to it.
     */
    static final boolean NARROW_128 = FLEN == 4;

    /**
     * Whether the float-lane kernels run — {@link Ops}, attention ({@link AttentionKernel},
     * {@link VectorMath}): they work in float lanes only, at 512, 256 or 128 bits.
     */
    static final boolean FLOAT_KERNELS = WIDE || NARROW_128;

    /**
     * The sum of the FLEN floats in {@code a[0 …]} in a fixed order (halves folded onto each
     * other down to 8 lanes, then x86's hsum_float_8 order; 4 lanes as its last two steps).
     * {@code reduceLanes(ADD)} leaves the order open, and C2's tree differs from the
     * interpreter's sequential loop, so results would depend on which code ran.
     */
    static float hsum(float[] a) {
        return hsum(a, FLEN);
    }

    /** {@link #hsum} of the first {@code n} (4, 8 or 16) floats. */
    static float hsum(float[] a, int n) {
        if (n == 4) return (a[0] + a[2]) + (a[1] + a[3]);
        float s0 = a[0], s1 = a[1], s2 = a[2], s3 = a[3], s4 = a[4], s5 = a[5], s6 = a[6], s7 = a[7];
        if (n == 16) {
            s0 += a[8]; s1 += a[9]; s2 += a[10]; s3 += a[11]; s4 += a[12]; s5 += a[13]; s6 += a[14]; s7 += a[15];
        }
        return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
    }

    /**
     * The sum of a vector's lanes, folded in halves (lane i + lane i^8, then ^4, ^2, ^1). Unlike
     * {@code reduceLanes(ADD)}, whose order C2 and the interpreter choose differently, the
     * result is the same whichever code runs, so a kernel gives the same answer on its first
     * call as after the JIT has compiled it. ({@link #hsum} is the same idea for kernels that
     * already hold their lanes in an array, in x86 llama.cpp's order.)
     */
    static float sumLanes(FloatVector v) {
        if (FLEN == 16) v = v.add(v.rearrange(SWAP_8));
        if (FLEN >= 8) v = v.add(v.rearrange(SWAP_4));
        v = v.add(v.rearrange(SWAP_2));
        return v.add(v.rearrange(SWAP_1)).lane(0);
    }

    static float f16(java.lang.foreign.MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT_LE, off));
    }
}
