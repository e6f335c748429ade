namespace Nabla.Benchmarks;

/// <summary>
/// One benchmark case. The runner calls <see cref="Setup"/> once, then <see cref="Run"/> many times (warm-up, then timed
/// blocks), then <see cref="Teardown"/>. Metadata fields map one-to-one onto the JSON contract in docs/BENCHMARKS.md.
/// </summary>
public interface IBenchCase
{
    /// <summary>Case name, e.g. "mlp-40-100-100-10" or "sgemm-512"; several cases may share a name with different threads.</summary>
    string Name { get; }

    /// <summary>"train_step", "forward", "gemm", ...</summary>
    string Op { get; }

    /// <summary>"sgd", "adam", or null when not a training step.</summary>
    string? Optimizer { get; }

    /// <summary>Batch size (for GEMM cases: m).</summary>
    int Batch { get; }

    /// <summary>"f32" or "f64".</summary>
    string DType { get; }

    /// <summary>Threads the case runs with (sets <c>Parallelism.MaxThreads</c>); <c>--threads N</c> overrides it.</summary>
    int Threads { get; }

    /// <summary>"runtime", "roslyn", "expressions", "interpreter", ...</summary>
    string Backend { get; }

    /// <summary>Floating-point operations per call, or 0 when not meaningful (then no "gflops" is reported).</summary>
    double FlopsPerCall { get; }

    /// <summary>Samples per call for "samples_per_s" (usually the batch size).</summary>
    int SamplesPerCall { get; }

    /// <summary>Milliseconds spent compiling in <see cref="Setup"/>, or null if nothing is compiled.</summary>
    double? CompileMs { get; }

    /// <summary>Prepares data (and compiles); not timed except through <see cref="CompileMs"/>.</summary>
    void Setup();

    /// <summary>One call of the measured operation; must not allocate in steady state.</summary>
    void Run();

    /// <summary>Releases what <see cref="Setup"/> made.</summary>
    void Teardown();
}
