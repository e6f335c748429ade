using FsCheck;

namespace Nabla.Tests.Ir;

/// <summary>Case counts and tolerances shared by the IR property tests.</summary>
internal static class PropertyConfig
{
    /// <summary>Cases per property over mixed random graphs.</summary>
    public const int Cases = 300;

    /// <summary>Cases per op in the per-op runs (graphs built from that op only).</summary>
    public const int CasesPerOp = 12;

    /// <summary>Central-difference step in float64 (Theano's verify_grad uses 1e-7 to 1e-6).</summary>
    public const double Step = 1e-6;

    /// <summary>Largest accepted <see cref="Support.GradCheck.Error"/> between a derivative and its central difference.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>A quick-check configuration that throws (with the shrunk case) on failure.</summary>
    public static Config With(int cases) => Config.QuickThrowOnFailure.WithMaxTest(cases);
}
