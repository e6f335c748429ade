namespace Nabla.Rewrites.Engine;

/// <summary>Settings of a rewrite run and of the optimization pipeline.</summary>
public sealed class RewriteOptions
{
    /// <summary>The defaults: IEEE semantics kept, fixed point not re-checked.</summary>
    public static readonly RewriteOptions Default = new();

    /// <summary>
    /// Allows the identities that are false for infinities and NaN — <c>x*0 → 0</c>, <c>x−x → 0</c>,
    /// <c>x/x → 1</c> — for every x. Off by default: then they are applied only where the operand is
    /// provably finite (and, for <c>x/x</c>, nonzero), so no NaN or infinity is ever hidden.
    /// </summary>
    public bool FastMath { get; set; }

    /// <summary>Upper bound on rule firings in one run (null: 64 per reachable node plus 1024).</summary>
    public int? MaxSteps { get; set; }

    /// <summary>Upper bound on consecutive rewrites of one node before the engine reports a cycle and stops there.</summary>
    public int MaxCascade { get; set; } = 64;

    /// <summary>Constant subgraphs are folded into tensor constants only up to this many elements (uniform results always fold).</summary>
    public int FoldLimit { get; set; } = 4096;

    /// <summary>The most rewrite rounds <see cref="Pipeline.Optimize"/> runs while looking for its fixed point (default 4).</summary>
    public int MaxRounds { get; set; } = 4;

    /// <summary>When set, each rule run is followed by a second sweep that must fire nothing (a test of confluence); otherwise it throws.</summary>
    public bool CheckFixpoint { get; set; }

    /// <summary>
    /// When set (a debug option, off by default), <see cref="Verifier"/> runs after every stage of the pipeline and
    /// throws naming the stage: after each graph pass, the outputs and updates keep their names, shapes and types,
    /// every node's shape is what <c>ShapeRules.Infer</c> gives for its op, attributes and inputs, inputs precede their
    /// users, and a merging pass leaves no two structurally equal nodes; after scheduling (<see cref="Pipeline.Compile"/>),
    /// every buffer read was written earlier or is an input, parameter or constant, no slot holds two live values, and
    /// every output and update is produced. The rewrite rounds must also reach their fixed point within <see cref="MaxRounds"/>.
    /// </summary>
    public bool Verify { get; set; }
}
