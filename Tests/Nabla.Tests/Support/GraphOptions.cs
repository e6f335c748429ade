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
}
