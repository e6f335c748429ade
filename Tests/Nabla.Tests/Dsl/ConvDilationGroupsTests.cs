using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Nabla.Backends.CSharp;
using Nabla.Backends.Expressions;
using Nabla.Backends.Roslyn;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;
using Nabla.Runtime;
using Nabla.Tests.Backends.CSharp;
using Nabla.Tests.Support;
using Xunit;

namespace Nabla.Tests.Dsl;

/// <summary>
/// Dilated, grouped and depthwise <see cref="Conv1d"/>/<see cref="Conv2d"/> and adaptive average pooling (issue 12):
/// outputs and gradients against PyTorch's (Fixtures/conv_dilation_groups.json, made by the script beside it), the
/// VJP against central differences in float64, the interpreter against both backends (forward and gradients, and a
/// compiled SGD step of a network using all of them), the dilated window op itself, and errors naming the layer.
/// </summary>
public class ConvDilationGroupsTests
{
    // ---- the PyTorch fixture ----

    private sealed record Param(string Name, int[] Shape, double[] Value, double[] Grad);

    private sealed record Case(string Name, JsonElement Config, int[] XShape, double[] X, double[] U, int[] YShape, double[] Y, double[] GradX, Param[] Params);

    private static readonly Lazy<(Case[] Conv, Case[] Adaptive)> Fixture = new(Load);

    private static (Case[], Case[]) Load()
    {
        string? path = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null && path is null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "Tests", "Nabla.Tests", "Fixtures", "conv_dilation_groups.json");
            if (File.Exists(p)) path = p;
        }
        Assert.True(path is not null, "Tests/Nabla.Tests/Fixtures/conv_dilation_groups.json not found above the test folder");
        using var doc = JsonDocument.Parse(File.ReadAllText(path!));
        static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
        static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Case[] Cases(string key) => doc.RootElement.GetProperty(key).EnumerateArray().Select(c => new Case(
            c.GetProperty("name").GetString()!, c.GetProperty("config").Clone(), Ints(c.GetProperty("x_shape")), Doubles(c.GetProperty("x")),
            Doubles(c.GetProperty("u")), Ints(c.GetProperty("y_shape")), Doubles(c.GetProperty("y")), Doubles(c.GetProperty("grad_x")),
            c.GetProperty("params").EnumerateObject().Select(p => new Param(p.Name, Ints(p.Value.GetProperty("shape")),
                Doubles(p.Value.GetProperty("value")), Doubles(p.Value.GetProperty("grad")))).ToArray())).ToArray();
        return (Cases("conv"), Cases("adaptive"));
    }

    public static IEnumerable<object[]> ConvCases => Fixture.Value.Conv.Select(c => new object[] { c.Name });
    public static IEnumerable<object[]> AdaptiveCases => Fixture.Value.Adaptive.Select(c => new object[] { c.Name });
    private static Case Find(string name) => Fixture.Value.Conv.Concat(Fixture.Value.Adaptive).Single(c => c.Name == name);

    private static (int H, int W) Pair(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? (e[0].GetInt32(), e[1].GetInt32()) : (e.GetInt32(), e.GetInt32());

    /// <summary>The Nabla layer the case's configuration describes, as a PyTorch user would write it.</summary>
    private static Module Layer(Case c)
    {
        var g = c.Config;
        int dims = g.GetProperty("dims").GetInt32();
        if (g.TryGetProperty("output_size", out var size))
            return dims == 1 ? new AdaptiveAvgPool1d(size.GetInt32()) : new AdaptiveAvgPool2d(Pair(size));
        int cin = g.GetProperty("in").GetInt32(), cout = g.GetProperty("out").GetInt32(), groups = g.GetProperty("groups").GetInt32();
        bool bias = g.GetProperty("bias").GetBoolean();
        if (dims == 1)
            return new Conv1d(cin, cout, g.GetProperty("kernel").GetInt32(), g.GetProperty("stride").GetInt32(), g.GetProperty("padding").GetInt32(), bias,
                dilation: g.GetProperty("dilation").GetInt32(), groups: groups);
        return new Conv2d(cin, cout, Pair(g.GetProperty("kernel")), Pair(g.GetProperty("stride")), Pair(g.GetProperty("padding")), bias,
            dilation: Pair(g.GetProperty("dilation")), groups: groups);
    }

    /// <summary>
    /// The case as one function of x, u and the parameters: outputs y, the gradients of sum(u·y) with respect to x
    /// ("grad_x") and every parameter ("grad_" + name), and the bindings to PyTorch's values.
    /// </summary>
    private static (Function F, Node Scalar, Dictionary<string, Tensor> Bind, int Batch) Build(Case c)
    {
        var (f, scalar, bind, batch, _, _) = BuildWithNodes(c);
        return (f, scalar, bind, batch);
    }

    private static (Function F, Node Scalar, Dictionary<string, Tensor> Bind, int Batch, Node Y, Node[] Wrt) BuildWithNodes(Case c)
    {
        var model = Model.Build(Layer(c), new Shape(new[] { Shape.Batch }.Concat(c.XShape.Skip(1)).ToArray()));
        var t = model.Trace(DType.F64);
        Assert.Equal(c.Params.Select(p => p.Name), t.Parameters.Select(p => p.Name)); // PyTorch's names, in its order
        var y = t.Outputs[0].Node;
        var u = t.Graph.Input("u", y.Shape);
        var scalar = F.Sum(y * u);
        var wrt = new[] { t.Inputs[0] }.Concat(t.Parameters.Select(p => p.Node)).ToArray();
        var grads = Autodiff.Grad(scalar, wrt);
        var outputs = new List<Named> { new("y", y), new("grad_x", grads[0]) };
        for (int i = 0; i < t.Parameters.Count; i++) outputs.Add(new Named("grad_" + t.Parameters[i].Name, grads[i + 1]));
        var bind = new Dictionary<string, Tensor> { [t.Inputs[0].Name!] = new Tensor(c.XShape, (double[])c.X.Clone()), ["u"] = new Tensor(c.YShape, (double[])c.U.Clone()) };
        foreach (var p in c.Params)
        {
            var node = t.Parameters.Single(q => q.Name == p.Name).Node;
            Assert.Equal(p.Shape, node.Shape.ToArray()); // PyTorch's shapes: weight [out, in/groups, k…], bias [out]
            bind[p.Name] = new Tensor(p.Shape, (double[])p.Value.Clone());
        }
        return (new Function(t.Graph, outputs), scalar, bind, c.XShape[0], y, wrt);
    }

    private static void Close(double[] want, double[] got, double tol, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= tol * (1 + Math.Abs(want[i])), $"{what}[{i}]: PyTorch {want[i]:R}, Nabla {got[i]:R}");
    }

    private static void AgreesWithPyTorch(string name)
    {
        var c = Find(name);
        var (f, _, bind, batch) = Build(c);
        var r = Interpreter.Run(f, bind, batch: batch);
        Assert.Equal(c.YShape, r["y"].Shape);
        Close(c.Y, r["y"].Data, 1e-12, name + " y");
        Close(c.GradX, r["grad_x"].Data, 1e-12, name + " grad_x");
        foreach (var p in c.Params) Close(p.Grad, r["grad_" + p.Name].Data, 1e-12, $"{name} grad_{p.Name}");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv_outputs_and_gradients_match_PyTorch(string name) => AgreesWithPyTorch(name);

    [Theory]
    [MemberData(nameof(AdaptiveCases))]
    public void Adaptive_average_pooling_matches_PyTorch_for_sizes_that_do_not_divide(string name) => AgreesWithPyTorch(name);

    [Theory]
    [MemberData(nameof(ConvCases))]
    [MemberData(nameof(AdaptiveCases))]
    public void Vjp_agrees_with_central_differences_in_float64(string name)
    {
        var (f, scalar, bind, batch) = Build(Find(name));
        var r = Interpreter.Run(f, bind, batch: batch);
        double worst = 0;
        foreach (var wrt in bind.Keys.Where(k => k != "u").ToArray())
        {
            var analytic = r["grad_" + wrt].Data;
            for (int i = 0; i < analytic.Length; i++)
                worst = Math.Max(worst, GradCheck.Error(GradCheck.Central(scalar, bind, batch, wrt, i, 1e-5), analytic[i]));
        }
        Assert.True(worst < 1e-8, $"{name}: worst relative gradient error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    [MemberData(nameof(AdaptiveCases))]
    public void Jvp_agrees_with_the_vjp_and_with_a_central_difference_along_the_tangent(string name)
    {
        var (_, _, bind, batch, y, wrt) = BuildWithNodes(Find(name));
        var rng = new Random(name.Length);
        var tangents = wrt.Select(n => y.Graph.Input("t_" + n.Name, n.Shape)).ToArray();
        foreach (var n in wrt) bind["t_" + n.Name] = GradCheck.Random(bind[n.Name!].Shape, rng);
        var jy = Autodiff.Jvp(new[] { y }, wrt, tangents)[0];
        var grads = Autodiff.Grad(F.Sum(y * y.Graph.Input("u", y.Shape)), wrt);
        var values = Interpreter.Evaluate(new[] { jy }.Concat(grads).ToArray(), bind, DType.F64, batch);
        // <J·t, u> = Σ <t_k, Jᵀ·u>_k
        double forward = GradCheck.Dot(values[jy], bind["u"]), reverse = 0;
        for (int k = 0; k < wrt.Length; k++) reverse += GradCheck.Dot(bind["t_" + wrt[k].Name], values[grads[k]]);
        Assert.True(GradCheck.Error(forward, reverse) < 1e-12, $"{name}: <Jt,u> = {forward:R}, <t,J^T u> = {reverse:R}");
        // J·t = (y(p + h·t) − y(p − h·t)) / 2h: exact up to rounding, since the layers are (bi)linear in their arguments.
        const double h = 1e-3;
        Tensor At(double sign)
        {
            var moved = new Dictionary<string, Tensor>(bind);
            foreach (var n in wrt)
                moved[n.Name!] = new Tensor(bind[n.Name!].Shape, bind[n.Name!].Data.Zip(bind["t_" + n.Name].Data, (p, t) => p + sign * h * t).ToArray());
            return Interpreter.Evaluate(new[] { y }, moved, DType.F64, batch)[y];
        }
        var (up, down) = (At(1), At(-1));
        for (int i = 0; i < up.Size; i++)
            Assert.True(GradCheck.Error((up.Data[i] - down.Data[i]) / (2 * h), values[jy].Data[i]) < 1e-8, $"{name}: J·t[{i}]");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    [MemberData(nameof(AdaptiveCases))]
    public void Both_backends_agree_with_the_interpreter_on_outputs_and_gradients(string name)
    {
        var (f, _, bind, batch) = Build(Find(name));
        var want = Interpreter.Run(f, bind, batch: batch);
        var (optimized, _) = Pipeline.Optimize(f);
        var plan = new ModelPlan("ConvCase", new[] { ("Eval", Scheduler.Build(optimized)) });
        var source = CSharpEmitter.Emit(plan, new EmitOptions { Namespace = "Nabla.Tests.ConvCases" });
        var roslyn = (CompiledModel<double>)Activator.CreateInstance(RoslynCompiler.Compile(source).GetType("Nabla.Tests.ConvCases.ConvCase")!)!;
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(roslyn, 0, bind, batch), 1e-12));
        Assert.Null(CompiledRunner.Compare(want, CompiledRunner.Run(ExpressionBackend.Compile<double>(plan), 0, bind, batch), 1e-12));
        var config = Find(name).Config;
        if (config.TryGetProperty("dilation", out var d))
        {
            var (dh, dw) = config.GetProperty("dims").GetInt32() == 1 ? (1, d.GetInt32()) : Pair(d);
            if ((dh, dw) != (1, 1)) Assert.Contains($", {dh}, {dw});", source); // the dilated runtime overload, with the dilation
        }
    }

    // ---- the window op with a dilation ----

    [Fact]
    public void Dilated_im2col_reads_taps_dilation_apart_and_col2im_is_its_adjoint()
    {
        // x [1, 1, 3, 7] = 0..20; kernel 2x3, stride 1x2, padding 1x2, dilation 2x3: windows span 3x7.
        var g = new Graph(DType.F64);
        var x = g.Input("x", Shape.Of(1, 1, 3, 7));
        var cols = F.Im2Col(x, 2, 3, 1, 2, 1, 2, 2, 3);
        // OH = (3 + 2 − 3)/1 + 1 = 3, OW = (7 + 4 − 7)/2 + 1 = 3
        Assert.Equal(Shape.Of(1, 6, 9), cols.Shape);
        Assert.Equal("k2x3 s1,2 p1,2 d2,3", cols.Attrs.ToString());
        var xv = new Tensor(new[] { 1, 1, 3, 7 }, Enumerable.Range(0, 21).Select(i => (double)i).ToArray());
        var got = Interpreter.Evaluate(new[] { cols }, new Dictionary<string, Tensor> { ["x"] = xv })[cols];
        for (int ki = 0; ki < 2; ki++)
            for (int kj = 0; kj < 3; kj++)
                for (int oy = 0; oy < 3; oy++)
                    for (int ox = 0; ox < 3; ox++)
                    {
                        int iy = oy - 1 + 2 * ki, ix = 2 * ox - 2 + 3 * kj;
                        double want = iy >= 0 && iy < 3 && ix >= 0 && ix < 7 ? iy * 7 + ix : 0;
                        Assert.Equal(want, got.Data[(ki * 3 + kj) * 9 + oy * 3 + ox]);
                    }
        // <im2col(x), c> = <x, col2im(c)>, and the runtime kernels (float and double) compute the interpreter's values.
        var cv = new Tensor(new[] { 1, 6, 9 }, Enumerable.Range(0, 54).Select(i => Math.Sin(i + 1.0)).ToArray());
        var c = g.Input("c", Shape.Of(1, 6, 9));
        var back = F.Col2Im(c, 1, 3, 7, 2, 3, 1, 2, 1, 2, 2, 3);
        var bv = Interpreter.Evaluate(new[] { back }, new Dictionary<string, Tensor> { ["c"] = cv })[back];
        Assert.Equal(GradCheck.Dot(got, cv), GradCheck.Dot(xv, bv), 12);
        var dst = new double[54];
        Emitted.Im2Col(xv.Data, dst, 1, 1, 3, 7, 2, 3, 1, 2, 1, 2, 2, 3);
        Assert.Equal(got.Data, dst);
        var img = new double[21];
        Emitted.Col2Im(cv.Data, img, 1, 1, 3, 7, 2, 3, 1, 2, 1, 2, 2, 3);
        Close(bv.Data, img, 1e-15, "col2im");
        var fdst = new float[54];
        Emitted.Im2Col(xv.Data.Select(v => (float)v).ToArray(), fdst, 1, 1, 3, 7, 2, 3, 1, 2, 1, 2, 2, 3);
        Assert.Equal(got.Data, fdst.Select(v => (double)v).ToArray());
    }

    [Fact]
    public void An_undilated_window_keeps_its_printed_form_and_identity()
    {
        var plain = new WindowAttrs(3, 3, 1, 1, 1, 1);
        Assert.Equal("k3x3 s1,1 p1,1", plain.ToString());
        Assert.Equal("k3x3 s1,1 p1,1 image 2x5x5", plain.WithImage(2, 5, 5).ToString());
        Assert.Equal(plain, new WindowAttrs(3, 3, 1, 1, 1, 1, 0, 0, 0, 1, 1));
        var dilated = new WindowAttrs(3, 3, 1, 1, 1, 1, 0, 0, 0, 2, 1);
        Assert.NotEqual(plain, dilated);
        Assert.Equal("k3x3 s1,1 p1,1 d2,1 image 2x5x5", dilated.WithImage(2, 5, 5).ToString());
        Assert.Equal(dilated, dilated.WithImage(2, 5, 5).WithoutImage());
        Assert.Equal(5, dilated.SpanH);
        Assert.Equal(3, dilated.OutH(5)); // (5 + 2 − 5)/1 + 1
    }

    [Fact]
    public void A_dilated_window_larger_than_the_input_is_a_shape_error_and_a_runtime_error()
    {
        var g = new Graph(DType.F64);
        var e = Assert.Throws<ShapeException>(() => F.Im2Col(g.Input("x", Shape.Of(1, 1, 1, 6)), 1, 3, 1, 1, 0, 0, 1, 3));
        Assert.Contains("kernel 3 with dilation 3 spans 7, more than the padded width 6", e.Message);
        var a = Assert.Throws<ArgumentException>(() => Emitted.Im2Col(new double[6], new double[6], 1, 1, 1, 6, 1, 3, 1, 1, 0, 0, 1, 3));
        Assert.Contains("dilation 3", a.Message);
        Assert.Throws<ArgumentException>(() => Emitted.Im2Col(new double[6], new double[6], 1, 1, 1, 6, 1, 3, 1, 1, 0, 0, 1, 0));
    }

    // ---- layers: errors name the layer, descriptions and shapes ----

    [Fact]
    public void Bad_groups_and_dilations_name_the_layer()
    {
        Assert.Contains("Conv1d 6→4 k3 s1 p0 g4: in_channels 6 must be divisible by groups 4",
            Assert.Throws<LayerException>(() => new Conv1d(6, 4, 3, groups: 4)).Message);
        Assert.Contains("Conv2d 4→6 k3x3 s1x1 p0x0 g4: out_channels 6 must be divisible by groups 4",
            Assert.Throws<LayerException>(() => new Conv2d(4, 6, 3, groups: 4)).Message);
        Assert.Contains("Conv1d", Assert.Throws<LayerException>(() => new Conv1d(2, 2, 3, groups: 0)).Message);
        Assert.Contains("the dilation must be positive, got 0", Assert.Throws<LayerException>(() => new Conv1d(2, 2, 3, dilation: 0)).Message);
        Assert.Contains("Conv2d", Assert.Throws<LayerException>(() => new Conv2d(2, 2, (3, 3), (1, 1), (0, 0), dilation: (1, -1))).Message);
        Assert.Contains("AdaptiveAvgPool1d", Assert.Throws<LayerException>(() => new AdaptiveAvgPool1d(0)).Message);
        Assert.Contains("AdaptiveAvgPool2d", Assert.Throws<LayerException>(() => new AdaptiveAvgPool2d((2, 0))).Message);
        // A dilated kernel that does not fit the input fails at the trace, naming the layer and the input.
        var e = Assert.Throws<LayerException>(() => Model.Build(new Conv1d(1, 2, 3, dilation: 4), Shape.Of(Shape.Batch, 1, 8)));
        Assert.Contains("Conv1d 1→2 k3 s1 p0 d4", e.Message);
        Assert.Contains("kernel 3 with dilation 4 spans 9, more than the padded input length 8", e.Message);
        Assert.Contains("AdaptiveAvgPool2d", Assert.Throws<LayerException>(() => Model.Build(new AdaptiveAvgPool2d(2), Shape.Of(Shape.Batch, 1, 4))).Message);
    }

    [Fact]
    public void Shapes_descriptions_and_parameter_counts_follow_PyTorch()
    {
        // Depthwise Conv2d(8, 16, 3, groups: 8): weight [16, 1, 3, 3] + bias [16] = 160 parameters; dilation 2 on 9x9, padding 2 keeps 9x9.
        var m = Model.Build(new Conv2d(8, 16, 3, padding: 2, dilation: 2, groups: 8), Shape.Of(Shape.Batch, 8, 9, 9));
        Assert.Equal(160, m.ParameterCount);
        Assert.Equal(new[] { Shape.Batch, 16, 9, 9 }, m.Trace().Outputs[0].Node.Shape.ToArray());
        Assert.Equal("Conv2d 8→16 k3x3 s1x1 p2x2 d2x2 g8", new Conv2d(8, 16, 3, padding: 2, dilation: 2, groups: 8).Description);
        Assert.Equal("Conv1d 3→4 k3 s2 p1", new Conv1d(3, 4, 3, stride: 2, padding: 1).Description); // unchanged without dilation or groups
        Assert.Equal(new[] { Shape.Batch, 3, 4 }, Model.Build(new AdaptiveAvgPool1d(4), Shape.Of(Shape.Batch, 3, 7)).Trace().Outputs[0].Node.Shape.ToArray());
        Assert.Equal("AdaptiveAvgPool2d → 4x3", new AdaptiveAvgPool2d((4, 3)).Description);
    }

    [Fact]
    public void Adaptive_windows_are_PyTorchs_start_and_end_indices_by_hand()
    {
        static double[] Pool1d(int outSize, int length) => ModelRunner.Forward(Model.Build(new AdaptiveAvgPool1d(outSize), Shape.Of(Shape.Batch, 1, length)),
            new Tensor(new[] { 1, 1, length }, Enumerable.Range(0, length).Select(i => (double)i).ToArray())).Data;
        // Over 0, 1, …, L−1 a window [s, e) averages to (s + e − 1)/2.
        Assert.Equal(new[] { 1.5, 4.5, 7.5 }, Pool1d(3, 10));             // 10 → 3: [0,4) [3,7) [6,10)
        Assert.Equal(new[] { 0.5, 2, 4, 5.5 }, Pool1d(4, 7));             // 7 → 4: [0,2) [1,4) [3,6) [5,7)
        Assert.Equal(new[] { 0.0, 0.5, 1, 1.5, 2.5, 3, 3.5, 4 }, Pool1d(8, 5)); // 5 → 8: [0,1) [0,2) [1,2) [1,3) [2,4) [3,4) [3,5) [4,5)
        Assert.Equal(new[] { 1.5, 5.5 }, Pool1d(2, 8));                   // divisible: plain average pooling, [0,4) [4,8)
        // 2-D: rows 5 → 2 ([0,3) [2,5)) and columns 4 → 3 ([0,2) [1,3) [2,4)) of x[i, j] = 10·i + j.
        var img = new Tensor(new[] { 1, 1, 5, 4 }, Enumerable.Range(0, 20).Select(k => 10.0 * (k / 4) + k % 4).ToArray());
        var y = ModelRunner.Forward(Model.Build(new AdaptiveAvgPool2d((2, 3)), Shape.Of(Shape.Batch, 1, 5, 4)), img);
        Assert.Equal(new[] { 1, 1, 2, 3 }, y.Shape);
        double[] want = { 10 + 0.5, 10 + 1.5, 10 + 2.5, 30 + 0.5, 30 + 1.5, 30 + 2.5 };
        for (int i = 0; i < 6; i++) Assert.Equal(want[i], y.Data[i], 12);
    }

    // ---- the product path: a compiled SGD step ----

    [Theory]
    [InlineData(Backend.Expressions)]
    [InlineData(Backend.Roslyn)]
    public void A_compiled_training_step_through_dilated_grouped_depthwise_and_adaptive_layers_agrees_with_the_interpreter(Backend backend)
    {
        var net = new Sequential(
            new Conv1d(4, 6, 3, padding: 2, dilation: 2, groups: 2), new Tanh(),
            new Conv1d(6, 6, 3, padding: 1, groups: 6), new ReLU(),
            new AdaptiveAvgPool1d(3), new Flatten(), new Dense(18, 2));
        var model = Model.Build(net, Shape.Of(Shape.Batch, 4, 9), seed: 3);
        var lowered = Lowerer.Lower(model, new TrainingSetup(Loss.LeastSquares(), Optimizer.Sgd(0.1)) { DType = DType.F64 });
        var compiled = Jit.CompileModel<double>(lowered, backend);
        var spec = compiled.Spec;
        var rng = new Rng(9);
        const int batch = 3;
        var b = model.Parameters.ToTensors();
        b["x"] = new Tensor(new[] { batch, 4, 9 }, Enumerable.Range(0, batch * 36).Select(_ => rng.Uniform(-1, 1)).ToArray());
        b["t"] = new Tensor(new[] { batch, 2 }, Enumerable.Range(0, batch * 2).Select(_ => rng.Uniform(-1, 1)).ToArray());
        b["lr"] = Tensor.Scalar(0.1);
        for (int i = 0; i < spec.Parameters.Count; i++) Array.Copy(b[spec.Parameters[i].Name].Data, compiled.Parameters[i], compiled.Parameters[i].Length);
        int m = spec.MethodIndex("TrainStep");
        var method = spec.Methods[m];
        double first = 0, last = 0;
        for (int step = 0; step < 3; step++)
        {
            var expected = Interpreter.Run(lowered.TrainStep, b);
            var outputs = method.Outputs.Select(o => new double[o.Size(batch)]).ToArray();
            compiled.Run(m, batch, method.Inputs.Select(i => b[i.Name].Data).ToArray(), outputs);
            Close(expected["loss"].Data, outputs[method.OutputIndex("loss")], 1e-12, "loss");
            if (step == 0) first = expected["loss"].Value; else last = expected["loss"].Value;
            Assert.Contains("0.weight", expected.Updates.Keys);
            foreach (var u in expected.Updates)
            {
                Close(u.Value.Data, compiled.Parameters[spec.ParameterIndex(u.Key)], 1e-12, u.Key);
                b[u.Key] = u.Value;
            }
        }
        Assert.True(last < first, $"three SGD steps should lower the loss: {first} → {last}");
    }
}
