using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Ir;

/// <summary>
/// Properties of slice, concat and pad over random shapes, axes and ranges (recipes of small integers that FsCheck
/// shrinks): cutting an axis into slices and joining them gives the tensor back, slicing a concat gives its parts back,
/// and the derivative rules are adjoint maps — ⟨slice(x), u⟩ = ⟨x, slice-VJP(u)⟩, the same for pad and concat — computed
/// by the interpreter on the raw ops (built with <see cref="Graph.Make"/>, so no construction-time simplification hides
/// the kernels).
/// </summary>
public class MovementPropertyTests
{
    private static readonly Arbitrary<int[]> Recipes = Arb.From(Gen.Choose(0, 9999).ArrayOf(24));

    private sealed class Case
    {
        public readonly Graph G = new(DType.F64);
        public readonly Dictionary<string, Tensor> Bind = new();
        public readonly Random Rng;
        public readonly Choices C;
        public readonly int Batch;
        public Case(int[] recipe) { C = new Choices(recipe); Batch = 1 + C.Next(3); Rng = new Random(C.Next(1 << 20)); }

        public Shape RandomShape()
        {
            int rank = 1 + C.Next(3);
            var dims = Enumerable.Range(0, rank).Select(_ => 1 + C.Next(5)).ToArray();
            if (C.OneIn(2)) dims[0] = Shape.Batch;
            return new Shape(dims);
        }

        public Node Input(string name, Shape s)
        {
            Bind[name] = GradCheck.Random(s.Concrete(Batch), Rng);
            return G.Input(name, s);
        }

        public int StaticAxis(Shape s)
        {
            var axes = Enumerable.Range(0, s.Rank).Where(i => s[i] != Shape.Batch).ToArray();
            return axes.Length == 0 ? -1 : axes[C.Next(axes.Length)];
        }

        public Tensor Value(Node n) => Interpreter.Evaluate(new[] { n }, Bind, DType.F64, Batch)[n];
    }

    private static void Equal(Tensor want, Tensor got, string what)
    {
        Assert.True(want.Shape.SequenceEqual(got.Shape), $"{what}: shape [{string.Join(",", got.Shape)}], want [{string.Join(",", want.Shape)}]");
        Assert.True(want.Data.SequenceEqual(got.Data), $"{what}: values differ");
    }

    [Fact]
    public void Slices_cutting_an_axis_join_back_to_the_tensor_and_a_concat_slices_back_to_its_parts()
    {
        Check.One(PropertyConfig.With(100), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Case(recipe);
            var s = c.RandomShape();
            int axis = c.StaticAxis(s);
            if (axis < 0) return;
            var x = c.Input("x", s);
            // Cut [0, d) at random points (empty pieces allowed) and join the pieces.
            int d = s[axis];
            var cuts = Enumerable.Range(0, 1 + c.C.Next(3)).Select(_ => c.C.Next(d + 1)).Append(0).Append(d).OrderBy(v => v).ToArray();
            var pieces = cuts.Zip(cuts.Skip(1), (a, b) => c.G.Make(Op.Slice, SliceAttrs.OneAxis(s.Rank, axis, a, b), x)).ToArray();
            var joined = c.G.Make(Op.Concat, new AxisAttrs(axis), pieces);
            Equal(c.Value(x), c.Value(joined), "concat of the slices");
            Assert.Same(x, F.Concat(axis, cuts.Zip(cuts.Skip(1), (a, b) => F.Slice(x, axis, a, b)).ToArray())); // simplified when built

            // Parts of random lengths along the axis, joined and sliced back.
            var parts = Enumerable.Range(0, 1 + c.C.Next(3)).Select(i =>
            {
                var dims = s.ToArray(); dims[axis] = c.C.Next(4);
                return c.Input("p" + i, new Shape(dims));
            }).ToArray();
            var cat = c.G.Make(Op.Concat, new AxisAttrs(axis), parts);
            int at = 0;
            foreach (var p in parts)
            {
                int len = p.Shape[axis];
                Equal(c.Value(p), c.Value(c.G.Make(Op.Slice, SliceAttrs.OneAxis(s.Rank, axis, at, at + len), cat)), "slice of the concat");
                if (len > 0 && len < cat.Shape[axis]) Assert.Same(p, F.Slice(cat, axis, at, at + len)); // simplified when built (all of cat: cat)
                at += len;
            }
        }));
    }

    [Fact]
    public void The_derivative_rules_of_slice_pad_and_concat_are_their_adjoints()
    {
        Check.One(PropertyConfig.With(100), Prop.ForAll(Recipes, recipe =>
        {
            var c = new Case(recipe);
            var s = c.RandomShape();
            var x = c.Input("x", s);
            // A random multi-axis slice in Python's forms (negative, past the end, to the end, steps 1-3; maybe empty).
            var starts = new int[s.Rank]; var stops = new int[s.Rank]; var steps = new int[s.Rank];
            for (int i = 0; i < s.Rank; i++)
            {
                if (s[i] == Shape.Batch) { stops[i] = SliceAttrs.End; steps[i] = 1; continue; }
                int d = s[i];
                starts[i] = c.C.Next(2 * d + 3) - d - 1;
                stops[i] = c.C.OneIn(4) ? SliceAttrs.End : c.C.Next(2 * d + 3) - d - 1;
                steps[i] = 1 + c.C.Next(3);
            }
            var slice = c.G.Make(Op.Slice, new SliceAttrs(starts, stops, steps), x);
            CheckAdjoint(c, x, slice, "slice");

            // A random pad (before, after, interior) of the static axes, with a fill that the adjoint ignores.
            var before = new int[s.Rank]; var after = new int[s.Rank]; var interior = new int[s.Rank];
            for (int i = 0; i < s.Rank; i++)
                if (s[i] != Shape.Batch) { before[i] = c.C.Next(3); after[i] = c.C.Next(3); interior[i] = c.C.Next(3); }
            var pad = c.G.Make(Op.Pad, new PadAttrs(before, after, interior, c.C.Pick(0.0, 1.5, -2.0)), x);
            CheckAdjoint(c, x, pad, "pad", affine: true);

            int axis = c.StaticAxis(s);
            if (axis >= 0)
            {
                var dims = s.ToArray(); dims[axis] = c.C.Next(3);
                var other = c.Input("o", new Shape(dims));
                var cat = c.G.Make(Op.Concat, new AxisAttrs(axis), c.C.OneIn(2) ? new[] { x, other, x } : new[] { other, x });
                CheckAdjoint(c, x, cat, "concat", extra: other);
            }
        }));
    }

    // ⟨y(x) − y(0), u⟩ = ⟨x, VJP(u)⟩ (and the same for another input), with the VJP from the op's registered rule through
    // Autodiff.Vjp; the JVP along x is y's linear part: ⟨JVP(x), u⟩ equals it too.
    private static void CheckAdjoint(Case c, Node x, Node y, string what, bool affine = false, Node? extra = null)
    {
        var u = c.Input("u_" + what, y.Shape);
        var wrt = extra is null ? new[] { x } : new[] { x, extra };
        var vjp = Autodiff.Vjp(new[] { y }, new[] { u }, wrt);
        var jvp = Autodiff.Jvp(new[] { y }, wrt, wrt)[0]; // the tangent of y along (x, other) = its linear part at (x, other)
        var values = Interpreter.Evaluate(vjp.Append(jvp).Append(y), c.Bind, DType.F64, c.Batch);
        double lhs = GradCheck.Dot(values[jvp], c.Bind["u_" + what]);
        double rhs = wrt.Select((w, i) => GradCheck.Dot(c.Bind[w.Name!], values[vjp[i]])).Sum();
        Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * (1 + Math.Abs(lhs)), $"{what}: <J(x), u> = {lhs} but <x, VJP(u)> = {rhs}");
        if (!affine)
        {
            // A linear map: the value itself is its linear part.
            double direct = GradCheck.Dot(values[y], c.Bind["u_" + what]);
            Assert.True(Math.Abs(direct - rhs) <= 1e-12 * (1 + Math.Abs(direct)), $"{what}: <y, u> = {direct} but <x, VJP(u)> = {rhs}");
        }
        for (int i = 0; i < wrt.Length; i++) Assert.Equal(wrt[i].Shape, vjp[i].Shape);
    }
}
