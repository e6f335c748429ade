using System.Linq;
using Nabla.Backends.Roslyn;
using Nabla.Benchmarks.Cases;
using Nabla.Ir;
using Nabla.Runtime;
using Nabla.Tests.Schedule;
using Xunit;
using Xunit.Abstractions;

namespace Nabla.Tests.Backends.CSharp;

[Collection("CSharpBackend")]
public class MlpCompiledTests
{
    private readonly ITestOutputHelper _out;
    public MlpCompiledTests(ITestOutputHelper o) { _out = o; }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void MlpTrainingStepF64AgreesWithTheInterpreterAtSeveralBatches(string optimizer)
    {
        var f = MlpGraphs.TrainStep(new[] { 6, 9, 7, 3 }, optimizer, DType.F64, withLogits: true);
        var model = RoslynBackend.Create<double>(MlpGraphs.Plan("Mlp", "TrainStep", f));
        foreach (bool vectors in new[] { true, false })
            foreach (int batch in new[] { 1, 3, 8, 33 })
            {
                var bind = SchedulerTests.Bindings(f, batch, batch);
                if (optimizer == "adam") { bind["bc1"] = Tensor.Scalar(1 / (1 - 0.9)); bind["bc2"] = Tensor.Scalar(1 / (1 - 0.999)); }
                CompiledModel<double>.VectorsEnabled = vectors;
                try
                {
                    var got = CompiledRunner.Run(model, 0, bind, batch);
                    var want = Interpreter.Run(f, bind);
                    var diff = CompiledRunner.Compare(want, got, 1e-10);
                    Assert.True(diff is null, $"batch {batch}, vectors {vectors}: {diff}");
                }
                finally { CompiledModel<double>.VectorsEnabled = true; }
            }
    }
}
