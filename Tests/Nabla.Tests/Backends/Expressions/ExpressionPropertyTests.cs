using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Nabla.Ir;
using Nabla.Tests.Schedule;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Backends.Expressions;

/// <summary>
/// The expression backend agrees with the reference interpreter on random graphs, on their gradient-descent steps
/// and on random MLP training steps — in float64 (tight) and float32 (float tolerance), at batch sizes 1, 3, 8 and 33
/// (every vector-tail length), with 256-bit vectors, with the vector switch off, with 128-bit vectors and with scalar
/// loops only, from the plain and from the optimized schedule.
/// </summary>
[Collection("CSharpBackend")] // VectorMode.SwitchedOff sets CompiledModel<T>.VectorsEnabled, which is process-wide: never beside tests that read it
public class ExpressionPropertyTests
{
    /// <summary>Batch sizes: one row, less than a vector, exactly one float vector, vectors plus a tail.</summary>
    private static readonly int[] Batches = { 1, 3, 8, 33 };

    private const double F64Tolerance = 1e-10;
    private const double F32Tolerance = 2e-4;

    // Wider shapes than the gradient-check defaults, so loops have vector bodies and tails.
    private static GraphOptions Wide(DType type) => new() { DType = type, MaxBatch = 33, MaxElements = 264, MaxDim = 5 };

    /// <summary>Random graphs whose batch is one of <see cref="Batches"/> (chosen by the recipe's last choice).</summary>
    private static Arbitrary<GraphCase> Cases(GraphOptions o) =>
        RandomGraphs.Arb(o).Convert(c => WithBatch(c, o), c => c);

    private static GraphCase WithBatch(GraphCase c, GraphOptions o)
    {
        var r = (int[])c.Recipe.Clone();
        if (r.Length < 2) Array.Resize(ref r, 2);
        r[1] = Batches[Math.Abs(r[^1]) % Batches.Length] - 1;
        return RandomGraphs.Build(r, o);
    }

    private static double Tolerance(DType t) => t == DType.F32 ? F32Tolerance : F64Tolerance;

    /// <summary>
    /// Compiles the schedule of <paramref name="f"/> once per vector mode, and of its optimized form (Pipeline.Optimize,
    /// as the product compiles) with vectors and scalar-only, and checks one run of each against the interpreter on f.
    /// </summary>
    internal static void CheckAllModes(Function f, Dictionary<string, Tensor> bindings, int batch, DType type, string context)
    {
        var want = Interpreter.Run(f, bindings, type, batch);
        var runs = ExpressionRun.AllModes.Select(m => (m, false)).Concat(new[] { (VectorMode.Widest, true), (VectorMode.ScalarOnly, true) });
        foreach (var (mode, optimize) in runs)
        {
            var model = ExpressionRun.Compile(f, mode, optimize);
            var got = ExpressionRun.Run(model, bindings, batch, mode);
            ExpressionRun.AssertClose(want, got, Tolerance(type), $"{mode}{(optimize ? " optimized" : "")}, batch {batch}, {context}");
        }
    }

    [Fact]
    public void Random_graphs_agree_with_the_interpreter_in_float64()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(150), Prop.ForAll(Cases(Wide(DType.F64)),
            c => CheckAllModes(c.Function, c.Bindings, c.Batch, DType.F64, c.ToString())));
    }

    [Fact]
    public void Random_graphs_agree_with_the_interpreter_in_float32()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(120), Prop.ForAll(Cases(Wide(DType.F32)),
            c => CheckAllModes(c.Function, c.Bindings, c.Batch, DType.F32, c.ToString())));
    }

    [Fact]
    public void Gradient_steps_of_random_graphs_agree_with_the_interpreter()
    {
        // L = sum(u·y); outputs y and L; every parameter w ← w − 0.125·∂L/∂w in place.
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(Cases(Wide(DType.F64)), c =>
        {
            var (loss, bindings) = GradCheck.Projection(c, new Random(GradCheck.Seed(c)));
            var ps = c.Function.Params();
            var grads = ps.Count == 0 ? Array.Empty<Node>() : Autodiff.Grad(loss, ps);
            var f = new Function(c.Graph, new[] { new Named("y", c.Output), new Named("loss", loss) },
                ps.Select((p, i) => new Named(p.Name!, p - 0.125 * grads[i])));
            CheckAllModes(f, bindings, c.Batch, DType.F64, c.ToString());
        }));
    }

    [Fact]
    public void Random_mlp_training_steps_agree_with_the_interpreter()
    {
        var gen =
            from hidden in Gen.Choose(1, 3)
            from widths in Gen.Choose(1, 20).ArrayOf(hidden + 2)
            from batch in Gen.Elements(Batches)
            from f32 in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 1000)
            select (widths, batch, type: f32 ? DType.F32 : DType.F64, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            var f = SchedulerTests.MlpStep(x.widths, x.type);
            var bindings = SchedulerTests.Bindings(f, x.batch, x.seed);
            CheckAllModes(f, bindings, x.batch, x.type, $"MLP {string.Join("-", x.widths)} {x.type.ShortName()}");
        }));
    }
}
