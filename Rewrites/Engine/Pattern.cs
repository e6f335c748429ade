using System;
using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>
/// The left-hand side of a rewrite rule: a tree of op patterns whose leaves are captures (any node),
/// constants (a scalar or all-equal tensor constant, or a broadcast of one) or predicates. Build
/// patterns with <see cref="Patterns"/>; matching is done by <see cref="Match"/>, which backtracks over
/// the operand orders of commutative ops and checks that a capture used twice meets the same node.
/// </summary>
public abstract class Pattern
{
    /// <summary>The op a matching node must have, or null when any node may match.</summary>
    internal abstract Op? Root { get; }

    /// <summary>Matches <paramref name="n"/> against this pattern, then (on success) the rest of the agenda.</summary>
    internal abstract bool Step(Match m, Node n);

    /// <summary>This pattern, further requiring <paramref name="predicate"/> of the matched node (a shape, type or attribute guard).</summary>
    public Pattern If(Func<Node, bool> predicate) => new GuardPattern(this, predicate);

    /// <summary>This pattern, also binding the matched node to <paramref name="capture"/>.</summary>
    public Pattern As(Capture capture) => new BindPattern(this, capture);
}

/// <summary>
/// A named hole that matches any node and binds it. Using the same capture twice in a pattern requires
/// both places to hold the same node — with a hash-consed graph, that is structural equality.
/// </summary>
public sealed class Capture : Pattern
{
    /// <summary>Creates a capture called <paramref name="name"/> (shown in errors).</summary>
    public Capture(string name) { Name = name; }

    /// <summary>The capture's name.</summary>
    public string Name { get; }

    internal override Op? Root => null;

    internal override bool Step(Match m, Node n) => m.BindAndContinue(this, n);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>An op applied to sub-patterns; for commutative ops both operand orders are tried.</summary>
internal sealed class OpPattern : Pattern
{
    private readonly Op _op;
    private readonly Pattern[] _inputs;

    public OpPattern(Op op, Pattern[] inputs)
    {
        if (inputs.Length != op.Arity) throw new ArgumentException($"Pattern {op.Name} takes {op.Arity} sub-pattern(s), got {inputs.Length}.");
        _op = op; _inputs = inputs;
    }

    internal override Op? Root => _op;

    internal override bool Step(Match m, Node n)
    {
        if (!ReferenceEquals(n.Op, _op)) return false;
        var inputs = n.Inputs;
        int mark = m.AgendaMark;
        for (int i = _inputs.Length - 1; i >= 0; i--) m.Push(_inputs[i], inputs[i]);
        if (m.Continue()) return true;
        m.Truncate(mark);
        if (!_op.IsCommutative || ReferenceEquals(inputs[0], inputs[1])) return false;
        m.Push(_inputs[1], inputs[0]);
        m.Push(_inputs[0], inputs[1]);
        if (m.Continue()) return true;
        m.Truncate(mark);
        return false;
    }

    public override string ToString() => $"{_op.Name}({string.Join<Pattern>(", ", _inputs)})";
}

/// <summary>A uniform constant (every element equal) whose value satisfies a predicate.</summary>
internal sealed class ConstPattern : Pattern
{
    private readonly Func<double, bool> _accept;
    private readonly string _text;

    public ConstPattern(Func<double, bool> accept, string text) { _accept = accept; _text = text; }

    internal override Op? Root => null;

    internal override bool Step(Match m, Node n) =>
        m.Facts.Uniform(n, out double v) && _accept(v) && m.Continue();

    public override string ToString() => _text;
}

/// <summary>Another pattern plus a predicate on the matched node.</summary>
internal sealed class GuardPattern : Pattern
{
    private readonly Pattern _inner;
    private readonly Func<Node, bool> _predicate;

    public GuardPattern(Pattern inner, Func<Node, bool> predicate) { _inner = inner; _predicate = predicate; }

    internal override Op? Root => _inner.Root;

    internal override bool Step(Match m, Node n) => _predicate(n) && _inner.Step(m, n);

    public override string ToString() => _inner + "?";
}

/// <summary>Another pattern that also binds the matched node to a capture.</summary>
internal sealed class BindPattern : Pattern
{
    private readonly Pattern _inner;
    private readonly Capture _capture;

    public BindPattern(Pattern inner, Capture capture) { _inner = inner; _capture = capture; }

    internal override Op? Root => _inner.Root;

    internal override bool Step(Match m, Node n)
    {
        if (m.TryGet(_capture, out var bound)) return ReferenceEquals(bound, n) && _inner.Step(m, n);
        m.Bind(_capture, n);
        if (_inner.Step(m, n)) return true;
        m.Unbind();
        return false;
    }

    public override string ToString() => $"{_inner} as {_capture.Name}";
}
