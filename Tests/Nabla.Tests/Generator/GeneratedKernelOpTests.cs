using System;
using System.Linq;
using Xunit;

namespace Nabla.Tests.Generator;

/// <summary>
/// A kernel op (<c>Op.DefineElementwise</c>) in a <c>[Network]</c> class: the source generator evaluates its definition at
/// build time and prints calls of the user's method (<c>global::Demo.Kernels.Softsign</c>) into the user's own compilation,
/// and the generated network trains exactly as the same model compiled at run time by the expression backend.
/// </summary>
[Collection("Jit")]
public class GeneratedKernelOpTests
{
    private const string Source = """
        using System;
        using System.Runtime.Intrinsics;
        using Nabla;
        using Nabla.Ir;

        namespace Demo;

        public static class Kernels
        {
            public static float Softsign(float x) => x / (1f + MathF.Abs(x));
            public static double Softsign(double x) => x / (1.0 + Math.Abs(x));
            public static Vector128<T> Softsign<T>(Vector128<T> x) => x / (Vector128<T>.One + Vector128.Abs(x));
            public static Vector256<T> Softsign<T>(Vector256<T> x) => x / (Vector256<T>.One + Vector256.Abs(x));
        }

        [Network]
        public static partial class Soft
        {
            private static Op Softsign() => Op.DefineElementwise("softsign", x => x / (1 + Math.Abs(x)), "Demo.Kernels.Softsign",
                (y, g) => new[] { g / F.Square(1.0 + F.Abs(y.A)) }, vectorized: true);

            public static Model Build() =>
                Model.Build(new Sequential(new Dense(6, 16), Module.Lambda("Softsign", x => Softsign().Call(x)), new Dense(16, 4)), inputWidth: 6, seed: 11);

            public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(0.01));
        }
        """;

    [Fact]
    public void A_network_with_a_kernel_op_is_generated_with_calls_of_the_users_method_and_trains_as_the_jit_compiled_one()
    {
        var (asm, run) = GeneratorHarness.CompileAndLoad(Source, withNabla: true);
        var generatedSource = string.Join("\n", GeneratorHarness.Sources(run).Values);
        Assert.Contains("global::Demo.Kernels.Softsign(", generatedSource);
        var type = asm.GetType("Demo.Soft", throwOnError: true)!;
        var generated = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var jit = ((Model)type.GetMethod("Build")!.Invoke(null, null)!).Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)), Backend.Expressions);

        const int batch = 9;
        var rng = new Random(2);
        var x = Enumerable.Range(0, batch * 6).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var t = new float[batch * 4];
        for (int b = 0; b < batch; b++) t[b * 4 + rng.Next(4)] = 1;
        for (int step = 0; step < 5; step++)
            Assert.Equal(jit.TrainStep(x, t, batch, 0.01), generated.TrainStep(x, t, batch, 0.01), 5);
        var (p, q) = (jit.Predict(x, batch), generated.Predict(x, batch));
        for (int i = 0; i < p.Length; i++) Assert.Equal(p[i], q[i], 5);
    }
}
