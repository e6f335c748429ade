using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Runtime;

public static unsafe partial class Gemm
{
    /// <summary>Depth of a packed block (k). A B micro-panel (KC × 48 floats = 24 KiB) stays in the 32 KiB L1.</summary>
    internal static int KC = Tunable("NABLA_GEMM_KC", 128);

    /// <summary>Rows of a packed A block (MC × KC floats = 256 KiB stays in L2).</summary>
    internal static int MC = Tunable("NABLA_GEMM_MC", 512) / MR * MR;

    /// <summary>Columns of a packed B block.</summary>
    internal static int NC = Tunable("NABLA_GEMM_NC", 2048) / 48 * 48;

    /// <summary>Block sizes can be overridden by environment variables (and, being fields, by experiments at run time).</summary>
    private static int Tunable(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), out int v) && v >= 16 && v <= 1 << 16 ? v : fallback;

    /// <summary>Chooses a path for one validated, non-empty problem and runs it on up to <paramref name="threads"/> threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run<T>(ref Problem<T> p, int threads) where T : unmanaged
    {
        if (p.K == 0 || Simd.IsZero(p.Alpha)) { ScaleOnly(in p, 0, p.M); return; }
        if (TrySmall(in p)) return;
        if (TryNarrow(ref p, threads)) return;
        RunPacked(ref p, threads);
    }

    /// <summary>The k-block depth used for a given K: blocks of at most KC, balanced so no block is tiny.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int BlockDepth(int k)
    {
        int blocks = (k + KC - 1) / KC;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>The packed algorithm on the C sub-block rows [i0, i1) × columns [j0, j1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Packed<T>(ref readonly Problem<T> p, int i0, int i1, int j0, int j1) where T : unmanaged
    {
        int L = Vector512<T>.Count, nrMax = 3 * L;
        int K = p.K, kcMax = BlockDepth(K);
        int mcMax = Math.Min(MC, (i1 - i0 + MR - 1) / MR * MR);
        int ncMax = Math.Min(NC, (j1 - j0 + L - 1) / L * L);
        T* abuf = Scratch<T>.A(mcMax * kcMax);
        T* bbuf = Scratch<T>.B(ncMax * kcMax);
        Vector512<T>* tile = stackalloc Vector512<T>[3 * MR];
        // A small transposed A is already panel-like (8 consecutive values per k): its full panels are read in place
        // and only the edge panel is packed. (Reading B in place measured slower: its 64-byte vector loads are
        // unaligned and split cache lines, while A is read by 4-byte broadcasts.)
        bool directA = p.TransA && UseDirect<T>(K, p.M, p.Lda), directB = false;
        for (int jc = j0; jc < j1; jc += NC)
        {
            int nc = Math.Min(NC, j1 - jc);
            for (int pc = 0; pc < K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, K - pc);
                bool first = pc == 0, last = pc + kc == K;
                PackB(in p, pc, kc, jc, nc, bbuf, directB);
                for (int ic = i0; ic < i1; ic += MC)
                {
                    int mc = Math.Min(MC, i1 - ic);
                    PackA(in p, ic, mc, pc, kc, abuf, directA);
                    for (int jr = 0; jr < nc; jr += nrMax)
                    {
                        int nr = Math.Min(nrMax, nc - jr);
                        int w = (nr + L - 1) / L;
                        bool bIn = directB && nr == nrMax;
                        T* bp = bIn ? p.B + (long)pc * p.Ldb + jc + jr : bbuf + (long)jr * kc;
                        long bs = bIn ? p.Ldb : w * L;
                        T* cp = p.C + (long)ic * p.Ldc + jc + jr;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            bool aIn = directA && mr == MR;
                            T* ap = aIn ? p.A + (long)pc * p.Lda + ic + ir : abuf + (long)ir * kc;
                            long aS = aIn ? p.Lda : MR;
                            T* ct = cp + (long)ir * p.Ldc;
                            if (mr < MR) KernelPartial(w, kc, ap, aS, bp, bs, tile, ct, p.Ldc, mr);
                            else if (w == 3) Kernel<T, W3>(kc, ap, aS, bp, bs, tile, ct, p.Ldc, mr);
                            else if (w == 2) Kernel<T, W2>(kc, ap, aS, bp, bs, tile, ct, p.Ldc, mr);
                            else Kernel<T, W1>(kc, ap, aS, bp, bs, tile, ct, p.Ldc, mr);
                            StoreTile(in p, tile, w, ct, ic + ir, jc + jr, mr, nr, first, last);
                        }
                    }
                }
            }
        }
    }

    private static readonly bool DirectEnabled = Environment.GetEnvironmentVariable("NABLA_GEMM_DIRECT") != "0";

    /// <summary>Read an operand in place when it is small (stays in L2 across row tiles) and its row stride cannot
    /// alias L1 sets (a multiple of 1 KiB would map the panel's rows onto a few sets).</summary>
    private static bool UseDirect<T>(int k, int dim, int ld) where T : unmanaged
        => DirectEnabled && (long)k * dim * sizeof(T) <= 192 * 1024 && (long)ld * sizeof(T) % 1024 != 0;

    /// <summary>C = beta·C (C not read when beta = 0), then the epilogue, for rows [i0, i1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScaleOnly<T>(ref readonly Problem<T> p, int i0, int i1) where T : unmanaged
    {
        int L = Vector512<T>.Count;
        for (int i = i0; i < i1; i++)
        {
            T* c = p.C + (long)i * p.Ldc;
            for (int j = 0; j < p.N; j += L)
            {
                int cnt = Math.Min(L, p.N - j);
                Vector512<T> v = Simd.IsZero(p.Beta) ? Vector512<T>.Zero : Vector512.Create(p.Beta) * Simd.Load(c + j, cnt);
                Simd.Store(c + j, Epilogue(in p, v, i, j, cnt), cnt);
            }
        }
    }
}

/// <summary>Per-thread packing buffers: pinned, 64-byte aligned, grown on demand and then reused (no per-call allocation).</summary>
internal static unsafe class Scratch<T> where T : unmanaged
{
    [ThreadStatic] private static T[]? _a, _b, _v, _s, _c, _w;
    [ThreadStatic] private static T* _pa, _pb, _pv, _ps, _pc, _pw;

    // A and B are first allocated at the largest packed block (MC·KC and NC·KC elements), C at 64 KB: a worker thread
    // that happened to run only small pieces during warm-up (the caller claimed the rest) then never grows its buffers
    // in a later step, which would allocate after warm-up.
    public static T* A(int elements) => Get(ref _a, ref _pa, elements, Gemm.MC * Gemm.KC);
    public static T* B(int elements) => Get(ref _b, ref _pb, elements, Gemm.NC * Gemm.KC);

    /// <summary>The second half's product of a k-split GEMM (written by whichever thread runs that half).</summary>
    public static T* Sum(int elements) => Get(ref _s, ref _ps, elements);

    /// <summary>One product's C, consumed by the same thread before its next product (<see cref="Conv.ProductCol2Im(int, int, int, int, float, float[], int, int, int, bool, float[], int, int, int, bool, float[], int, int, int, int, int, int, int, int, int, int, int, int)"/>).</summary>
    public static T* C(int elements) => Get(ref _c, ref _pc, elements, (64 << 10) / sizeof(T));

    /// <summary>A small vector scratch (GEMV operands, dot results).</summary>
    public static T* V(int elements) => Get(ref _v, ref _pv, elements);

    /// <summary>The convolutions without window columns (<c>Conv.WindowProduct</c>/<c>WindowProductSum</c>): padded
    /// images and per-piece partial sums, taken by the calling thread for all parts before any runs.</summary>
    public static T* Window(int elements) => Get(ref _w, ref _pw, elements);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Get(ref T[]? array, ref T* ptr, int elements, int first = 0)
    {
        if (array != null && array.Length - 64 / sizeof(T) >= elements) return ptr;
        return Grow(ref array, ref ptr, elements, first);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T* Grow(ref T[]? array, ref T* ptr, int elements, int first)
    {
        int size = Math.Max(elements, array == null ? first : array.Length * 2) + 64 / sizeof(T);
        array = GC.AllocateUninitializedArray<T>(size, pinned: true);
        nint raw = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        ptr = (T*)((raw + 63) & ~(nint)63);
        return ptr;
    }
}
