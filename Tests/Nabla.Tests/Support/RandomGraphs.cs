using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;

namespace Nabla.Tests.Support;

/// <summary>
/// FsCheck generators of random well-shaped IR graphs with input values, for properties such as "every VJP agrees
/// with finite differences", "every rewrite preserves the interpreter's answer" and "every backend agrees with the
/// interpreter".
/// <para>
/// A case is built deterministically from a <em>recipe</em>, a list of small integers read as choices (which op,
/// which operand, which axes, which shape...). FsCheck generates and shrinks the recipe, so a failing property
/// shrinks to a small graph (fewer steps, simpler choices), printed in full by <see cref="GraphCase.ToString"/>.
/// </para>
/// <para>
/// Values are kept away from kinks and domain edges (see <see cref="GraphOptions.Margin"/>): the builder evaluates
/// every node as it goes and shifts or transforms an argument that comes too close (log/sqrt of x·x + 0.5, relu of
/// x + 0.5, ...), so central finite differences are valid at the bound point for every op.
/// </para>
/// <example>
/// <code>
/// Prop.ForAll(RandomGraphs.Arb(), c => Interpreter.Run(c.Function, c.Bindings)["y"] ...).QuickCheckThrowOnFailure();
/// Prop.ForAll(RandomGraphs.Arb(new GraphOptions { Ops = GraphOptions.ElementwiseOps, DType = DType.F32 }), ...);
/// </code>
/// </example>
/// </summary>
public static class RandomGraphs
{
    /// <summary>The recipe length generated (choices beyond a recipe's end read as 0).</summary>
    public const int RecipeLength = 160;

    /// <summary>Random cases built with <paramref name="options"/> (defaults when null).</summary>
    public static Gen<GraphCase> Gen(GraphOptions? options = null)
    {
        var o = options ?? new GraphOptions();
        return RecipeGen.Select(r => Build(r, o));
    }

    /// <summary>
    /// <paramref name="count"/> cases from recipes drawn by a seeded <see cref="Random"/>: the same cases on every run, so a
    /// test that asserts what a sample covers cannot pass on one run and fail on the next (FsCheck's Sample draws a fresh seed).
    /// </summary>
    public static GraphCase[] Sample(int count, int seed, GraphOptions? options = null)
    {
        var rng = new Random(seed);
        var o = options ?? new GraphOptions();
        return Enumerable.Range(0, count)
            .Select(_ => Build(Enumerable.Range(0, RecipeLength).Select(_ => rng.Next(0, 10000)).ToArray(), o)).ToArray();
    }

    /// <summary>Random cases that shrink through their recipe (fewer steps, simpler choices, smaller graphs).</summary>
    public static Arbitrary<GraphCase> Arb(GraphOptions? options = null)
    {
        var o = options ?? new GraphOptions();
        // Shrink through the recipe, keeping only candidates whose graph is no larger than the current one.
        return FsCheck.Fluent.Arb.From(RecipeGen.Select(r => Build(r, o)), c =>
        {
            int size = c.Function.Nodes().Count;
            return ShrinkRecipe(c.Recipe).Select(r => Build(r, o)).Where(s => s.Function.Nodes().Count <= size);
        });
    }

    /// <summary>Builds the case that <paramref name="recipe"/> describes (any list of integers is a valid recipe).</summary>
    public static GraphCase Build(int[] recipe, GraphOptions? options = null) =>
        new GraphBuilder(recipe, options ?? new GraphOptions()).Build();

    /// <summary>True for ops with kinks or jumps (relu, abs, step, sign, max, min, comparisons, where, reduce_max).</summary>
    public static bool IsKinked(Op op) =>
        op == Op.Relu || op == Op.Abs || op == Op.Step || op == Op.Sign || op == Op.Max || op == Op.Min ||
        op.IsComparison || op == Op.Where || op == Op.ReduceMax || op == Op.MaxPool || op == Op.MaxPoolGrad;

    private static readonly Gen<int[]> RecipeGen = FsCheck.Fluent.Gen.Choose(0, 9999).ArrayOf(RecipeLength);

    // Shrink a recipe: first fewer steps (the first choice), then zero out tails and single choices.
    private static IEnumerable<int[]> ShrinkRecipe(int[] r)
    {
        if (r.Length == 0) yield break;
        if (r[0] > 0)
        {
            var s = (int[])r.Clone(); s[0] = 0; yield return s;
            if (r[0] > 1) { s = (int[])r.Clone(); s[0] = r[0] / 2; yield return s; }
            s = (int[])r.Clone(); s[0] = r[0] - 1; yield return s;
        }
        for (int cut = r.Length / 2; cut >= 1; cut /= 2)
        {
            int from = r.Length - cut;
            if (r.Skip(from).Any(v => v != 0))
            {
                var s = (int[])r.Clone();
                for (int i = from; i < r.Length; i++) s[i] = 0;
                yield return s;
            }
        }
        for (int i = 1; i < r.Length; i++)
            if (r[i] != 0)
            {
                var s = (int[])r.Clone(); s[i] = 0; yield return s;
                if (r[i] > 1) { s = (int[])r.Clone(); s[i] = r[i] / 2; yield return s; }
            }
    }
}
