using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Nabla.Ir;

namespace Nabla.Testing;

/// <summary>
/// Runs a subject through FsCheck: cases from a seed, the three checks on each, and on failure FsCheck's shrinking over
/// the case (batch, shapes, projection, values), remembering the last failure seen — the shrunk counterexample.
/// </summary>
internal sealed class Engine
{
    private readonly Subject _subject;
    private readonly GradCheckOptions _o;
    private int _evaluated, _shrinkCandidates, _skipped, _compared, _shrinks, _backendShrinks;
    private (GradCheckCase Case, IReadOnlyDictionary<string, Tensor> Targets)? _lastPassed;
    // Compiles while shrinking a backend failure (each new shape is a new compile, kept loaded by the Roslyn cache).
    private const int MaxBackendShrinks = 25;
    private bool _failed, _backendsForever;
    private GradCheckFailure? _last;

    private Engine(Subject subject, GradCheckOptions o) { _subject = subject; _o = o; }

    public static GradCheckResult Run(Subject subject, GradCheckOptions? options)
    {
        var o = options ?? GradCheckOptions.Default;
        o.Validate();
        return new Engine(subject, o).Run();
    }

    private GradCheckResult Run()
    {
        ulong seed = _o.Seed ?? (ulong)System.Random.Shared.NextInt64(1, long.MaxValue);
        var arb = Arb.From(Gen.Choose(0, int.MaxValue).Select(s => Draw(new System.Random(s))), Shrink);
        var runner = new QuietRunner();
        var config = Config.Quick.WithMaxTest(_o.Cases).WithRunner(runner)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 0x9E3779B97F4A7C15UL | 1), FSharpOption<int>.None)));
        var property = Prop.ForAll(arb, (Func<GradCheckCase, bool>)Holds);
        Check.One(config, property);
        if (!_failed && _compared == 0 && _lastPassed is { } lp)
        {
            // Every element was at a kink or a non-smooth point: the VJP was never compared, so nothing passed.
            var none = new GradCheckFailure(GradCheckKind.NothingCompared,
                $"no finite difference could be taken in {_evaluated} case(s): every element lay within h of a kink point or where the one-sided slopes disagree; widen the domain or lower KinkFraction")
            { Case = lp.Case, Targets = lp.Targets };
            return new GradCheckResult(_subject.Name, false, _evaluated, 0, seed, _o, none, _skipped, _compared);
        }
        if (!_failed) return new GradCheckResult(_subject.Name, true, _evaluated, 0, seed, _o, null, _skipped, _compared);
        int cases = _evaluated - _shrinkCandidates;
        return new GradCheckResult(_subject.Name, false, cases, _shrinks, seed, _o, _last, _skipped, _compared);
    }

    // One evaluation; the last failing one is the shrunk counterexample (FsCheck moves to the first failing shrink).
    private bool Holds(GradCheckCase c)
    {
        _evaluated++;
        if (_failed) _shrinkCandidates++;
        bool backends = (_backendsForever && _backendShrinks++ < MaxBackendShrinks) || (!_failed && _evaluated <= _o.BackendCases);
        var failure = CheckCase(c, backends, out int skipped, out int compared, out var targets);
        if (failure is null)
        {
            if (!_failed) { _skipped += skipped; _compared += compared; _lastPassed = (c, targets); }
            return true;
        }
        // While shrinking, a candidate that fails another check counts as passing: the counterexample shows the first bug
        // (a wrong VJP found by finite differences stays a finite-difference failure rather than moving onto a kink).
        if (_failed && failure.Check != _last!.Check) return true;
        failure.Case = c;
        failure.Targets = targets;
        if (_failed) _shrinks++;
        _failed = true;
        if (failure.Check == GradCheckKind.Backend) _backendsForever = true;
        _last = failure;
        return false;
    }

    // ---- generation and shrinking ----

    private GradCheckCase Draw(System.Random r)
    {
        var shapes = _subject.DrawShapes(r, _o);
        bool batched = shapes.Any(s => s.HasBatch);
        // Batch 1 in a quarter of the batched cases, else 2 to MaxBatch: a rule wrong only at batch > 1 shows up often.
        int batch = !batched || _o.MaxBatch == 1 || r.Next(4) == 0 ? 1 : 2 + r.Next(_o.MaxBatch - 1);
        var inputs = shapes.Select((s, i) => Values(s.Concrete(batch), _o.DomainOf(i), r)).ToArray();
        return new GradCheckCase(shapes, batch, inputs, false, r.Next(), shapes.Select((_, i) => _subject.InputName(i)).ToArray());
    }

    private Tensor Values(int[] shape, Domain d, System.Random r)
    {
        int size = shape.Aggregate(1, (p, x) => p * x);
        var kinks = _o.Kinks.Where(d.Contains).ToArray();
        var data = new double[size];
        for (int i = 0; i < size; i++)
            data[i] = kinks.Length > 0 && r.NextDouble() < _o.KinkFraction ? kinks[r.Next(kinks.Length)]
                : Math.Min(d.Max, Math.Max(d.Min, Math.Round(d.Min + r.NextDouble() * (d.Max - d.Min), 4)));
        return new Tensor(shape, data);
    }

    // A tensor of a new concrete shape from old values (cycled from `offset`), so shrinking a shape keeps the values it can.
    private static Tensor Refit(Tensor t, int[] shape, int offset = 0)
    {
        int size = shape.Aggregate(1, (p, x) => p * x);
        var data = new double[size];
        for (int i = 0; i < size; i++) data[i] = t.Size == 0 ? 0 : t.Data[(i + offset) % t.Size];
        return new Tensor(shape, data);
    }

    // Smaller shapes or batch keep some of the old values: starting at the element that failed, then at the first few.
    private IEnumerable<GradCheckCase> Refits(GradCheckCase c, Shape[]? shapes = null, int? batch = null)
    {
        var s = shapes ?? c.ShapeArray;
        int b = s.Any(x => x.HasBatch) ? batch ?? c.Batch : 1;
        var offsets = new List<int>();
        if (_last is { Element: >= 0 } f && f.Case == c) offsets.Add(f.Element);
        offsets.AddRange(Enumerable.Range(0, 4));
        foreach (int off in offsets.Distinct())
        {
            if (off > 0 && c.InputArray.All(t => off >= t.Size)) continue;
            yield return new GradCheckCase(s, b, c.InputArray.Select((t, i) => Refit(t, s[i].Concrete(b), off)).ToArray(), c.SimpleProjection, c.Seed, c.NameArray);
        }
    }

    private GradCheckCase With(GradCheckCase c, Shape[]? shapes = null, int? batch = null, Tensor[]? inputs = null, bool? simple = null)
    {
        var s = shapes ?? c.ShapeArray;
        int b = s.Any(x => x.HasBatch) ? batch ?? c.Batch : 1;
        var ins = inputs ?? c.InputArray.Select((t, i) => Refit(t, s[i].Concrete(b))).ToArray();
        return new GradCheckCase(s, b, ins, simple ?? c.SimpleProjection, c.Seed, c.NameArray);
    }

    // FsCheck evaluates the candidates lazily, in order, moving to the first that fails; at most MaxShrinks in all.
    private IEnumerable<GradCheckCase> Shrink(GradCheckCase c) => Candidates(c).TakeWhile(_ => _shrinkCandidates < _o.MaxShrinks);

    private IEnumerable<GradCheckCase> Candidates(GradCheckCase c)
    {
        // Batch toward 1 (then 2, then one less).
        if (c.ShapeArray.Any(s => s.HasBatch))
            foreach (int b in new[] { 1, 2, c.Batch - 1 }.Where(b => b >= 1 && b < c.Batch).Distinct())
                foreach (var r in Refits(c, batch: b)) yield return r;
        // Smaller shapes (rank, dims, batch axis made 1).
        foreach (var s in _subject.ShrinkShapes(c.ShapeArray))
            if (!s.SequenceEqual(c.ShapeArray) && Shapes.Compatible(s))
                foreach (var r in Refits(c, shapes: s)) yield return r;
        if (!c.SimpleProjection) yield return With(c, simple: true);
        // Values: all at once to the simplest, then each element to simpler numbers.
        var simplest = c.InputArray.Select((t, i) => new Tensor(t.Shape, Enumerable.Repeat(_o.DomainOf(i).Simplest, t.Size).ToArray())).ToArray();
        if (!Same(simplest, c.InputArray)) yield return With(c, inputs: simplest);
        for (int i = 0; i < c.InputArray.Length; i++)
        {
            var d = _o.DomainOf(i);
            var t = c.InputArray[i];
            for (int k = 0; k < t.Size; k++)
                foreach (var v in Simpler(t.Data[k], d))
                {
                    var data = (double[])t.Data.Clone();
                    data[k] = v;
                    var ins = (Tensor[])c.InputArray.Clone();
                    ins[i] = new Tensor(t.Shape, data);
                    yield return With(c, inputs: ins);
                }
        }
    }

    // Simpler numbers than x in the domain: the simplest, ±1, x rounded to an integer or one decimal, half way.
    private static IEnumerable<double> Simpler(double x, Domain d)
    {
        var cands = new[] { d.Simplest, 1, -1, Math.Round(x), Math.Round(x, 1), Math.Round((x + d.Simplest) / 2, 2) };
        var seen = new HashSet<double>();
        foreach (var v in cands)
            if (d.Contains(v) && v != x && Complexity(v) < Complexity(x) && seen.Add(v)) yield return v;
    }

    // Smaller is simpler: 0, then integers, then one decimal, then the rest (ties broken by magnitude).
    private static double Complexity(double v)
    {
        int digits = 0;
        while (digits < 6 && Math.Abs(v * Math.Pow(10, digits) - Math.Round(v * Math.Pow(10, digits))) > 1e-9) digits++;
        return digits * 100 + Math.Min(99, Math.Abs(v));
    }

    private static bool Same(Tensor[] a, Tensor[] b) => a.Zip(b, (x, y) => x.Data.SequenceEqual(y.Data)).All(s => s);

    // ---- the checks ----

    private GradCheckFailure? CheckCase(GradCheckCase c, bool backends, out int skipped, out int compared, out IReadOnlyDictionary<string, Tensor> targets)
    {
        skipped = 0;
        compared = 0;
        targets = new Dictionary<string, Tensor>();
        Built b;
        Node y, loss; Node[] grads; Node jv; Node[] vs;
        Tensor u;
        try
        {
            b = _subject.Build(c, _o);
            targets = b.Targets.ToDictionary(t => t, t => b.Bindings[t]);
            y = b.Output;
            var g = y.Graph;
            var vars = b.Variables.Select(v => v.Node).ToArray();
            var rng = new System.Random(c.Seed);
            var un = g.Input("gradcheck_u", y.Shape, y.DType);
            u = Projection(y.Shape.Concrete(c.Batch), c.SimpleProjection, rng);
            b.Bindings["gradcheck_u"] = u;
            loss = F.Sum(un * y);
            vs = new Node[vars.Length];
            for (int i = 0; i < vars.Length; i++)
            {
                vs[i] = g.Input("gradcheck_v" + i, vars[i].Shape, vars[i].DType);
                b.Bindings["gradcheck_v" + i] = Projection(vars[i].Shape.Concrete(c.Batch), c.SimpleProjection, rng);
            }
            grads = Autodiff.Grad(loss, vars);
            jv = Autodiff.Jvp(new[] { y }, vars, vs)[0];
        }
        catch (Exception e) { return Threw("building the function or its derivatives", e); }

        Dictionary<Node, Tensor> values;
        try { values = Interpreter.Evaluate(grads.Append(jv).Append(y).Append(loss), b.Bindings, DType.F64, c.Batch); }
        catch (Exception e) { return Threw("evaluating it with the interpreter", e); }

        // 1. VJP against central differences, element by element (kinks skipped).
        for (int k = 0; k < b.Variables.Count; k++)
        {
            var v = b.Variables[k];
            var x = b.Bindings[v.Name];
            var grad = values[grads[k]];
            var fd = new double[x.Size];
            for (int i = 0; i < fd.Length; i++) fd[i] = double.NaN;
            int worst = -1; double worstErr = 0;
            foreach (int i in Sample(x.Size))
            {
                if (v.Input >= 0 && _o.Kinks.Any(p => Math.Abs(x.Data[i] - p) <= _o.Step)) { skipped++; continue; }
                double central;
                try
                {
                    var (down, mid, up) = Around(loss, b.Bindings, v.Name, i, c.Batch, values[loss].Value);
                    double fwd = (up - mid) / _o.Step, bwd = (mid - down) / _o.Step;
                    // A kink within h (the one-sided slopes disagree beyond curvature): no finite difference there.
                    if (Math.Abs(fwd - bwd) > 1e-3 * Math.Max(1, Math.Max(Math.Abs(fwd), Math.Abs(bwd)))) { skipped++; continue; }
                    central = (up - down) / (2 * _o.Step);
                }
                catch (Exception e) { return Threw($"evaluating it at {v.Name}[{i}] ± h", e); }
                fd[i] = central;
                compared++;
                double err = Error(central, grad.Data[i]);
                if (err > worstErr || double.IsNaN(err)) { worstErr = double.IsNaN(err) ? double.PositiveInfinity : err; worst = i; }
            }
            if (worst >= 0 && !(worstErr <= _o.Tolerance))
                return new GradCheckFailure(GradCheckKind.FiniteDifferences,
                    $"the VJP of d/d{v.Name} disagrees with central finite differences at element {worst}")
                {
                    Variable = v.Name, Element = worst, Index = Unflat(worst, x.Shape), Expected = fd[worst], Actual = grad.Data[worst],
                    Error = worstErr, ExpectedTensor = new Tensor(x.Shape, fd), ActualTensor = grad, Projection = u,
                };
        }

        // 2. JVP against VJP: <u, J v> = sum_k <grad_k, v_k>.
        double forward = Dot(u, values[jv]);
        double reverse = 0;
        for (int k = 0; k < grads.Length; k++) reverse += Dot(values[grads[k]], b.Bindings["gradcheck_v" + k]);
        double jerr = Error(forward, reverse);
        if (!(jerr <= _o.JvpTolerance))
            return new GradCheckFailure(GradCheckKind.JvpVsVjp, $"<u, J v> = {Report.Num(forward)} by the JVP but <J^T u, v> = {Report.Num(reverse)} by the VJP")
            { Expected = reverse, Actual = forward, Error = jerr, Projection = u };

        // 3. Both backends and the optimized graph against the interpreter, on the value and every derivative.
        if (backends && (_o.Expressions || _o.Roslyn))
        {
            var outputs = new List<Named> { new("y", y) };
            for (int k = 0; k < grads.Length; k++) outputs.Add(new Named("g" + k, grads[k]));
            outputs.Add(new Named("jvp", jv));
            var names = new Dictionary<string, string> { ["y"] = "the value", ["jvp"] = "J v" };
            for (int k = 0; k < grads.Length; k++) names["g" + k] = "d/d" + b.Variables[k].Name;
            GradCheckFailure? f;
            try { f = Compiled.Check(new Function(y.Graph, outputs), b.Bindings, c.Batch, _o, names); }
            catch (Exception e) { return Threw("compiling it with the backends", e); }
            if (f is not null) { f.Projection = u; return f; }
        }
        return null;
    }

    private static GradCheckFailure Threw(string what, Exception e) =>
        new(GradCheckKind.Exception, $"{e.GetType().Name} while {what}: {e.Message}") { Exception = e };

    // The evenly spread elements checked by finite differences.
    private IEnumerable<int> Sample(int size)
    {
        if (size <= _o.MaxElementsPerVariable) return Enumerable.Range(0, size);
        return Enumerable.Range(0, _o.MaxElementsPerVariable).Select(i => (int)((long)i * size / _o.MaxElementsPerVariable)).Distinct();
    }

    private (double Down, double Mid, double Up) Around(Node loss, Dictionary<string, Tensor> b, string name, int index, int batch, double mid)
    {
        var data = b[name].Data;
        double x0 = data[index];
        try
        {
            data[index] = x0 + _o.Step; double up = Scalar(loss, b, batch);
            data[index] = x0 - _o.Step; double down = Scalar(loss, b, batch);
            return (down, mid, up);
        }
        finally { data[index] = x0; }
    }

    private static double Scalar(Node n, IReadOnlyDictionary<string, Tensor> b, int batch) =>
        Interpreter.Evaluate(new[] { n }, b, DType.F64, batch)[n].Value;

    private static Tensor Projection(int[] shape, bool simple, System.Random r)
    {
        int size = shape.Aggregate(1, (p, d) => p * d);
        var data = new double[size];
        for (int i = 0; i < size; i++) data[i] = simple ? 1 : Math.Round(r.NextDouble() * 2 - 1, 2);
        return new Tensor(shape, data);
    }

    // |a − b| / max(1, |a|, |b|): absolute near 0, relative for large values; equal values (infinities too) agree, a NaN never does.
    internal static double Error(double a, double b) =>
        a == b ? 0 : double.IsNaN(a) || double.IsNaN(b) || double.IsInfinity(a) || double.IsInfinity(b) ? double.PositiveInfinity
        : Math.Abs(a - b) / Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    private static double Dot(Tensor a, Tensor b)
    {
        double s = 0;
        for (int i = 0; i < a.Size; i++) s += a.Data[i] * b.Data[i];
        return s;
    }

    internal static int[] Unflat(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int a = shape.Length - 1; a >= 0; a--) { idx[a] = flat % Math.Max(1, shape[a]); flat /= Math.Max(1, shape[a]); }
        return idx;
    }

    /// <summary>An FsCheck runner that prints nothing (the engine keeps what it needs).</summary>
    private sealed class QuietRunner : IRunner
    {
        public void OnStartFixture(Type t) { }
        public void OnArguments(int ntest, FSharpList<object> args, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every) { }
        public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink) { }
        public void OnFinished(string name, TestResult testResult) { }
    }
}
