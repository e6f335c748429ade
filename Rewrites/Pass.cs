using System;
using Nabla.Ir;
using Nabla.Rewrites.Engine;

namespace Nabla.Rewrites;

/// <summary>One step of the optimization pipeline: a name, the reason it sits where it does, and the transformation.</summary>
public sealed class Pass
{
    private readonly Func<Function, RewriteOptions, RewriteReport, Function> _run;

    /// <summary>Creates a pass.</summary>
    /// <param name="name">Short name shown in reports (<c>canonicalize</c>).</param>
    /// <param name="reason">One line: why the pass is at this point of the order.</param>
    /// <param name="run">The transformation; it may record rule firings in the report it is given.</param>
    public Pass(string name, string reason, Func<Function, RewriteOptions, RewriteReport, Function> run)
    {
        Name = name; Reason = reason; _run = run;
    }

    /// <summary>Short name shown in reports.</summary>
    public string Name { get; }

    /// <summary>Why the pass is at this point of the order.</summary>
    public string Reason { get; }

    /// <summary>Applies the pass.</summary>
    public Function Run(Function f, RewriteOptions options, RewriteReport report) => _run(f, options, report);

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Reason}";
}
