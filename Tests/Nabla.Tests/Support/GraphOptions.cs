using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// What <see cref="RandomGraphs"/> may generate: which ops, how many, which shapes and element type, and how far
/// values stay from kinks and domain edges. Defaults suit gradient checks: every non-leaf op, small shapes, the
/// symbolic batch, float64.
/// </summary>
public sealed class GraphOptions
{
    /// <summary>Every non-leaf op of <see cref="Op.All"/>.</summary>
    public static readonly IReadOnlyList<Op> AllOps = Op.All.Where(o => o.Kind != OpKind.Leaf).ToArray();

    /// <summary>Elementwise ops only (unary, binary, comparisons, where).</summary>
    public static readonly IReadOnlyList<Op> ElementwiseOps = AllOps.Where(o => o.Kind == OpKind.Elementwise).ToArray();

    /// <summary>The ops that are differentiable everywhere on their domain (no relu/abs/step/sign/max/min/comparisons/where/reduce_max).</summary>
    public static readonly IReadOnlyList<Op> SmoothOps = AllOps.Where(o => !RandomGraphs.IsKinked(o)).ToArray();

    /// <summary>The ops drawn from (non-leaf ops; leaves are created as needed). Default: <see cref="AllOps"/>.</summary>
    public IReadOnlyList<Op> Ops { get; init; } = AllOps;

    /// <summary>The most ops drawn per graph (the recipe decides how many, at least 1). Guards that keep values
    /// in range may add a few nodes (shifts, scalings, x·x + c). Default 8.</summary>
    public int MaxSteps { get; init; } = 8;

    /// <summary>The highest rank of a generated leaf (im2col/col2im still build rank-4 and rank-3 tensors). Default 3.</summary>
    public int MaxRank { get; init; } = 3;

    /// <summary>The largest static dimension of a generated leaf. Default 3.</summary>
    public int MaxDim { get; init; } = 3;

    /// <summary>Whether shapes may contain the symbolic batch dimension <c>B</c>. Default true.</summary>
    public bool UseBatch { get; init; } = true;

    /// <summary>The largest run-time batch size (the case's batch is 1..MaxBatch). Default 3.</summary>
    public int MaxBatch { get; init; } = 3;

    /// <summary>The most elements any node may have at the case's batch size. Default 48.</summary>
    public int MaxElements { get; init; } = 48;

    /// <summary>The element type of every node. Default float64.</summary>
    public DType DType { get; init; } = DType.F64;

    /// <summary>Whether some leaves are parameters rather than inputs. Default true.</summary>
    public bool UseParams { get; init; } = true;

    /// <summary>
    /// The least distance of any value from a kink or domain edge: arguments of relu/abs/step/sign and where's
    /// condition are at least this far from 0; the two sides of max/min/comparisons at least this far apart; the top
    /// two of every reduce_max slice at least this far apart; log/sqrt arguments and pow bases at least 0.2;
    /// divisors at least 0.25 from 0. Default 0.05 — central differences with steps up to about 1e-3 stay valid.
    /// </summary>
    public double Margin { get; init; } = 0.05;

    /// <summary>The largest magnitude of any node's value; larger results are scaled down by a power of 2. Default 16.</summary>
    public double MaxMagnitude { get; init; } = 16;

    /// <summary>
    /// When set, every leaf value is drawn from these values instead of uniformly from [−2, 2] (rounded to 3
    /// decimals). With a small grid holding 0 and repeated values, zeros and exact ties are frequent: with
    /// <see cref="Margin"/> 0 (see <see cref="OnKinks"/>) relu/abs/step/sign meet 0, max/min and comparisons meet ties,
    /// reduce_max slices have several maxima, eq masks are mixed and a where on a non-comparison condition takes both
    /// branches. Default null.
    /// </summary>
    public IReadOnlyList<double>? ValueGrid { get; init; }

    /// <summary>
    /// Widens the domains beyond <see cref="Margin"/>'s (kinks keep their margin): log and sqrt arguments and pow bases
    /// down to 1e-3 (x·x/16 + 1e-3), divisors down to 1e-3 in magnitude, exp and expm1 arguments shifted up to
    /// <see cref="ExpLimit"/>, log1p arguments down to −0.999, pow of a base of any sign with an integer exponent (2, 3, −1; bases kept 0.05 from 0
    /// for −1), and −∞ entries into max, min (+∞) and reduce_max (the entries more than 0.8 below the slice maximum).
    /// Default false.
    /// </summary>
    public bool WideDomains { get; init; }

    /// <summary>The largest exp/expm1 argument with <see cref="WideDomains"/> (80: e⁸⁰ ≈ 5.5e34 fits float32). Default 80.</summary>
    public double ExpLimit { get; init; } = 80;

    /// <summary>The grid of <see cref="OnKinks"/>: 0 twice and small dyadic values, so sums and products stay exact.</summary>
    public static readonly IReadOnlyList<double> KinkGrid = new[] { -2, -1, -0.5, 0, 0, 0.5, 1, 2 };

    /// <summary>
    /// The ops whose results on <see cref="KinkGrid"/> values are exact in float32 and float64 alike (no transcendentals,
    /// divisions, powers, means or normalizers), so every implementation, in either type, branches alike at every kink
    /// and tie (a tie of two transcendental paths may hold in one implementation's rounding and not another's).
    /// </summary>
    public static readonly IReadOnlyList<Op> ExactOps = AllOps.Where(o =>
        !(o.Kind == OpKind.Normalize || o == Op.Exp || o == Op.Log || o == Op.Log1p || o == Op.Expm1 || o == Op.Sqrt || o == Op.Sin ||
          o == Op.Cos || o == Op.Tanh || o == Op.Sigmoid || o == Op.Softplus || o == Op.Div || o == Op.Pow || o == Op.Mean)).ToArray();

    /// <summary>
    /// Values ON the kinks and ties: leaves from <see cref="KinkGrid"/>, <see cref="Margin"/> 0 (domain guards of log,
    /// sqrt, pow and div stay). Finite differences are invalid on such cases; compare implementations instead.
    /// </summary>
    public static GraphOptions OnKinks(DType type, IReadOnlyList<Op>? ops = null) => new()
    {
        DType = type, Margin = 0, ValueGrid = KinkGrid, Ops = ops ?? AllOps, MaxBatch = 9, MaxElements = 128, MaxDim = 4,
    };
}
