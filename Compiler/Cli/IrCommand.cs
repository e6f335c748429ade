using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla.Ir;
using Nabla.Rewrites;
using Nabla.Rewrites.Schedule;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla ir "&lt;expr&gt;"|mlp:IN,...,OUT [--grad] [--f32] [--batch N] [--dot FILE]</c>: builds the IR of a formula
/// (and, with <c>--grad</c>, its gradient) or the training step of a model spec (as <c>nabla build</c> accepts it:
/// forward, loss, gradients and optimizer update), in float64 or, with <c>--f32</c>, float32, runs the pipeline (<see cref="Pipeline.Stages"/>), and prints the optimized graph, the
/// pipeline list as it ran (each stage in order with node counts before and after, per pass and round, the kernel
/// count after scheduling and the time of each), the op counts after each pass, and the kernels the scheduler fuses
/// it into; <c>--dot</c> writes a Graphviz drawing with every fused kernel as a cluster.
/// </summary>
public sealed class IrCommand : ICommand
{
    /// <inheritdoc/>
    public string Name => "ir";

    /// <inheritdoc/>
    public string Summary => "show the optimized IR, every pipeline stage with node counts and times, and the fused kernels of a formula";

    /// <inheritdoc/>
    public Command Create()
    {
        var expr = CommandLine.Describe(new Argument<string>("expr|mlp:IN,...,OUT")
        {
            Description = "a formula, as for nabla grad; or mlp:IN,H1,...,OUT, the training step (forward, loss, gradients, Adam update) " +
                          "of the MLP nabla build makes from this spec (write -- before an <expr> that starts with -)",
        }, "an expression", "missing the expression or model, e.g. nabla ir \"exp(x*y) + sin(x*y)\" --grad or nabla ir mlp:40,100,10",
            "give the expression as one quoted argument");
        var grad = new Option<bool>("--grad") { Description = "compile the value and its gradient with respect to every variable (formulas only)" };
        var f32 = new Option<bool>("--f32") { Description = "build in float32 (default float64; nabla build compiles models in float32)" };
        var batch = new Option<int>("--batch")
        {
            Description = "the batch size at which memory is reported",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1) return n;
                r.AddError($"--batch needs a whole number >= 1, not '{text}'");
                return 1;
            },
        };
        var dot = CommandLine.Describe(new Option<string>("--dot")
        {
            Description = "write the schedule as a Graphviz drawing (fused kernels as clusters)",
            HelpName = "FILE",
        }, "a file name");
        var command = new Command(Name, Summary) { expr, grad, f32, batch, dot };
        CommandLine.Examples(command, "examples: nabla ir \"exp(x*y) + exp(x*y)*sin(x*y)\" --grad --dot graph.dot\n" +
                                              "          nabla ir mlp:40,100,100,10 --f32 --batch 100");
        command.SetAction(CommandLine.Action((r, stdout) =>
            Run(new Options(r.GetValue(expr)!, r.GetValue(grad), r.GetValue(f32), r.GetValue(batch), r.GetValue(dot)), stdout)));
        return command;
    }

    private sealed record Options(string Expr, bool Grad, bool F32, int Batch, string? Dot);

    private static int Run(Options o, TextWriter stdout)
    {
        if (o.Dot is not null)
        {
            if (string.IsNullOrWhiteSpace(o.Dot)) throw new InputException("--dot: the file name is empty");
            // A device, a FIFO or a folder is refused now, before anything is printed.
            try { Nabla.IO.AtomicFile.Target(o.Dot); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { throw new InputException($"--dot: {e.Message}"); }
        }
        if (ModelSpec.IsSpec(o.Expr))
        {
            if (o.Grad) throw new InputException("--grad is for formulas: the training step of a model already holds its gradients");
            var model = ModelSpec.Build(o.Expr);
            var setup = new TrainingSetup(Nabla.Loss.SoftmaxCrossEntropy(), Optimizer.Adam(0.01)) { DType = o.F32 ? DType.F32 : DType.F64 };
            Function step;
            try { step = Nabla.Lowering.Lowerer.Lower(model, setup).TrainStep; }
            catch (ArgumentException e) { throw new InputException($"model '{o.Expr}': {e.Message}"); }
            Report(step, o.Batch, o.Dot, stdout);
            return CommandLine.Ok;
        }
        var g = new Graph(o.F32 ? DType.F32 : DType.F64);
        var (root, variables) = ExpressionParser.Parse(o.Expr, g);
        var f = new Function(g, ("f", root));
        var report = new PassReport();
        if (o.Grad)
        {
            int before = PassReport.CountNodes(f);
            var clock = Stopwatch.StartNew();
            f = Autodiff.Grad(f, "f", variables.Select(v => v.Name).ToArray());
            double ms = clock.Elapsed.TotalMilliseconds;
            report.AddStage(Pipeline.Gradient, before, PassReport.CountNodes(f), null, ms, string.Join(", ", variables.Select(v => "d/d" + v.Name)));
        }
        Report(f, o.Batch, o.Dot, stdout, report);
        return CommandLine.Ok;
    }

    /// <summary>
    /// Optimizes and schedules <paramref name="f"/> (<see cref="Pipeline.Compile"/>) and prints the graph, the pipeline
    /// list as it ran — every stage of <see cref="Pipeline.Stages"/> in order, one line per pass and round, with nodes
    /// before → after, kernels once scheduled and milliseconds; <paramref name="report"/> may already hold the gradient
    /// stage — the op table, and the kernels.
    /// </summary>
    public static void Report(Function f, int batch, string? dot, TextWriter w, PassReport? report = null)
    {
        var kernelsBefore = Scheduler.Build(f).Kernels.Count;
        var (opt, s, stages) = Pipeline.Compile(f, report: report);
        if (dot is not null)
        {
            // Before anything is printed, so a failed write is the only output. Atomically, and only to a new path or
            // over a regular file (never over a device, a FIFO or a folder).
            try { Nabla.IO.AtomicFile.Write(dot, new System.Text.UTF8Encoding(false).GetBytes(DotWriter.Write(s))); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { throw new InputException($"cannot write '{dot}': {e.Message}"); }
        }
        w.WriteLine("optimized graph:");
        w.Write(Printer.Print(opt));
        w.WriteLine();
        w.WriteLine("passes:");
        var skipped = new Dictionary<Stage, string> { [Pipeline.Emit] = "by a backend (nabla build, Network.Compile), not by nabla ir" };
        if (!stages.Stages.Any(r => r.Stage == Pipeline.Gradient)) skipped[Pipeline.Gradient] = "not asked (--grad)";
        w.Write(stages.StageTable(skipped));
        w.WriteLine();
        w.Write(stages.OpTable());
        w.WriteLine();
        w.WriteLine($"kernels: {kernelsBefore} unoptimized -> {s.Kernels.Count} ({string.Join(", ", s.Kernels.GroupBy(k => k.Kind).Select(k => $"{k.Count()} {k.Key}"))})");
        w.WriteLine(string.Format(CultureInfo.InvariantCulture, "temporaries at batch {0}: {1} bytes in {2} slots ({3} bytes without reuse)",
            batch, s.TempBytes(batch), s.Slots.Count, s.UnplannedTempBytes(batch)));
        foreach (var k in s.Kernels) w.WriteLine($"  k{k.Id}: {k}");
        if (dot is not null) w.WriteLine($"wrote {dot}");
    }
}
