using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Nabla.Checkpoints;
using Nabla.Cli;
using Xunit;

namespace Nabla.Tests.Cli;

/// <summary>
/// <c>nabla build</c>: the model assembly it writes loads in a separate <see cref="AssemblyLoadContext"/>, needs no
/// compiler, and computes what the same network compiled at run time computes; embedded weights arrive intact; every
/// bad input is one line on stderr and exit code 2.
/// </summary>
public sealed class BuildCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nabla-build-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CommandLine.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Loads the DLL from disk in its own collectible context (Nabla's libraries resolve to the test's).</summary>
    private static Type Load(string dll, string type, out AssemblyLoadContext context)
    {
        context = new AssemblyLoadContext("model-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        var asm = context.LoadFromAssemblyPath(Path.GetFullPath(dll));
        Assert.NotSame(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(asm));
        return asm.GetType(type, throwOnError: true)!;
    }

    [Fact]
    public void Spec_builds_a_dll_that_predicts_and_trains_like_the_run_time_compiled_model()
    {
        var (code, stdout, stderr) = Run("build", "mlp:6,10,3", "-o", _dir, "--seed", "4");
        Assert.True(code == 0, stderr);
        var dll = Path.Combine(_dir, "Mlp_6_10_3.dll");
        Assert.Contains("wrote " + dll, stdout);
        Assert.Contains("NablaModels.Mlp_6_10_3: 103 parameters", stdout); // 6·10+10 + 10·3+3

        var type = Load(dll, "NablaModels.Mlp_6_10_3", out var context);
        var network = (Network)type.GetMethod("CreateNetwork")!.Invoke(null, new object[] { 0L })!;
        var reference = Model.Build(new Sequential(new Dense(6, 10), new ReLU(), new Dense(10, 3)), inputWidth: 6, seed: 4)
            .Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)));

        var rng = new Random(1);
        var x = Enumerable.Range(0, 4 * 6).Select(_ => (float)rng.NextDouble()).ToArray();
        var t = new float[4 * 3];
        for (int b = 0; b < 4; b++) t[b * 3 + b % 3] = 1;
        Assert.Equal(reference.Predict(x, 4), network.Predict(x, 4));
        for (int step = 0; step < 3; step++) Assert.Equal(reference.TrainStep(x, t, 4, 0.01), network.TrainStep(x, t, 4, 0.01));
        context.Unload();
    }

    [Fact]
    public void Cs_file_with_weights_embeds_them_and_CreateTrainedNetwork_uses_them()
    {
        Directory.CreateDirectory(_dir);
        var source = Path.Combine(_dir, "Tiny.cs");
        File.WriteAllText(source, """
            using Nabla;
            namespace Demo;
            [Network]
            public static partial class Tiny
            {
                public static Model Build() => Model.Build(new Sequential(new Dense(2, 3), new ReLU(), new Dense(3, 2)), inputWidth: 2);
            }
            """);
        var model = Model.Build(new Sequential(new Dense(2, 3), new ReLU(), new Dense(3, 2)), inputWidth: 2);
        var weights = Path.Combine(_dir, "tiny.safetensors");
        int k = 0;
        SafeTensors.Save(weights, model.Parameters.Entries.Select(e =>
            new SafeTensor(e.Name, e.Parameter.Shape.ToArray(), e.Parameter.Data.Select(_ => 0.25f * ++k).ToArray())).ToList());

        var (code, stdout, stderr) = Run("build", source, "-o", Path.Combine(_dir, "out"), "--weights", weights);
        Assert.True(code == 0, stderr);
        Assert.Contains("CreateTrainedNetwork()", stdout);
        var type = Load(Path.Combine(_dir, "out", "Tiny.dll"), "Demo.Tiny", out var context);
        var network = (Network)type.GetMethod("CreateTrainedNetwork")!.Invoke(null, new object[] { 0L })!;
        var saved = SafeTensors.Load(weights);
        foreach (var e in network.Model.Parameters.Entries) Assert.Equal(saved[e.Name].ToSingle(), e.Parameter.Data);
        context.Unload();
    }

    [Theory]
    [InlineData("bad width 'x' in model 'mlp:40,x,10'", "build", "mlp:40,x,10", "-o", "OUT")]
    [InlineData("model 'mlp:40' needs at least an input and an output width", "build", "mlp:40", "-o", "OUT")]
    [InlineData("unknown model 'resnet:50'", "build", "resnet:50", "-o", "OUT")]
    [InlineData("missing -o DIR", "build", "mlp:4,2")]
    [InlineData("missing the model", "build", "-o", "OUT")]
    [InlineData("unknown optimizer 'lbfgs'", "build", "mlp:4,2", "-o", "OUT", "--optimizer", "lbfgs")]
    [InlineData("--lr needs a positive number, not '-1'", "build", "mlp:4,2", "-o", "OUT", "--lr", "-1")]
    [InlineData("cannot read 'no-such-file.cs'", "build", "no-such-file.cs", "-o", "OUT")]
    [InlineData("'bad name' is not a valid assembly name", "build", "mlp:4,2", "-o", "OUT", "--name", "bad name")]
    public void Bad_arguments_are_one_line_and_exit_code_2(string expected, params string[] args)
    {
        var (code, stdout, stderr) = Run(args.Select(a => a == "OUT" ? _dir : a).ToArray());
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(_dir) && Directory.EnumerateFiles(_dir, "*.dll").Any());
    }

    [Theory]
    [InlineData("public static Model Build() => Model.Build(new Sequential(new Dense(2, 3)), inputWidth: 2)", "Net.cs(5,91): CS1002")]
    [InlineData("public static Model Build() => Model.Build(new Sequential(new Dense(3, 3)), inputWidth: 2);", "Net.cs(5,59): NABLA007")]
    [InlineData("public static int Width => 2;", "NABLA002")]
    public void Errors_in_the_cs_file_name_file_line_column_and_id(string member, string expected)
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "Net.cs");
        File.WriteAllText(file, "using Nabla;\nnamespace Demo;\n[Network]\npublic static partial class Net {\n" + member + "\n}\n");
        var (code, _, stderr) = Run("build", file, "-o", _dir);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Weights_that_do_not_fit_the_model_are_refused()
    {
        Directory.CreateDirectory(_dir);
        var weights = Path.Combine(_dir, "w.safetensors");
        SafeTensors.Save(weights, new[]
        {
            new SafeTensor("0.weight", new[] { 2, 5 }, new float[10]), new SafeTensor("0.bias", new[] { 2 }, new float[2]),
        });
        var (code, _, stderr) = Run("build", "mlp:4,2", "-o", _dir, "--weights", weights);
        Assert.Equal(2, code);
        Assert.Contains("tensor '0.weight' has shape [2,5], the model needs [2,4]", stderr);
    }
}
