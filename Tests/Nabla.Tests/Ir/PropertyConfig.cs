using FsCheck;

namespace Nabla.Tests.Ir;

/// <summary>Case counts and tolerances shared by the IR property tests.</summary>
internal static class PropertyConfig
{
    /// <summary>
    /// Cases per property over mixed random graphs: 300, or the value of the environment variable
    /// <c>NABLA_PROPERTY_CASES</c> for a deeper local run.
    /// </summary>
    public static readonly int Cases = int.TryParse(System.Environment.GetEnvironmentVariable("NABLA_PROPERTY_CASES"), out var n) && n > 0 ? n : 300;

    /// <summary>Cases per op in the per-op runs (graphs built from that op only): 12, scaled with <see cref="Cases"/>.</summary>
    public static readonly int CasesPerOp = System.Math.Max(12, Cases / 25);

    /// <summary>Central-difference step in float64 (Theano's verify_grad uses 1e-7 to 1e-6).</summary>
    public const double Step = 1e-6;

    /// <summary>Largest accepted <see cref="Support.GradCheck.Error"/> between a derivative and its central difference.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>A quick-check configuration that throws (with the shrunk case) on failure.</summary>
    public static Config With(int cases) => Config.QuickThrowOnFailure.WithMaxTest(cases);
}
