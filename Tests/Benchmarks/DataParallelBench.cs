using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Nabla;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.Runtime;
using Nabla.Training;

namespace Nabla.Benchmarks;

/// <summary>
/// Data-parallel training throughput through the product path: the MLP 40-100-100-10 (ReLU, softmax cross-entropy,
/// SGD, float32) built with the DSL, compiled by Roslyn with the split step, trained by <see cref="Trainer.Fit"/> with
/// the communicator of <c>mpirun</c> (one rank without it) on synthetic data, <paramref name="batchPerRank"/> rows per
/// rank per step. Every rank runs the same fixed schedule (no adaptive repetition, which would desynchronize the
/// collectives). Rank 0 prints one line (JSON with <c>--json</c>): the median time of a step over
/// <paramref name="repeats"/> runs of <paramref name="steps"/> steps, samples per second over all ranks, the time
/// spent in the gradient allreduce during those steps (waiting included) and its share, and the allreduce alone on
/// the same buffer.
/// </summary>
internal static class DataParallelBench
{
    public static int Run(int batchPerRank, int threads, int steps, int repeats, bool json)
    {
        if (Communicator.LaunchedByMpi) Environment.SetEnvironmentVariable("TERM", "dumb"); // no keypad-mode escape on mpirun's pseudo-terminal
        using var comm = Communicator.FromEnvironment();
        Parallelism.MaxThreads = threads;
        var model = Model.Build(Networks.Mlp(40, new[] { 100, 100 }, 10), 40, 1);
        var setup = new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.01)) { SplitStep = comm.Size > 1, Dropout = false, ModelName = "DataParallelMlp" };
        var compile = Stopwatch.StartNew();
        var net = model.Compile(setup, Backend.Roslyn);
        double compileMs = compile.Elapsed.TotalMilliseconds;

        int global = batchPerRank * comm.Size;
        var rng = new Random(7);
        var x = new float[2L * global * 40];
        for (long i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var y = Enumerable.Range(0, 2 * global).Select(_ => rng.Next(10)).ToArray();
        var data = new Dataset(x, new[] { 40 }, y, 10);
        TrainingOptions Options(long total) => new() { BatchSize = global, Steps = total, Seed = 1, Communicator = comm };

        net.Fit(data, Options(10)); // warm-up: JIT, tiered compilation, buffers at size
        var perStep = new List<double>();
        var allReduce = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            comm.Barrier();
            var clock = Stopwatch.StartNew();
            var history = net.Fit(data, Options(net.Step + steps));
            double us = clock.Elapsed.TotalMicroseconds / steps;
            perStep.Add(us);
            allReduce.Add((history.AllReduceTime?.TotalMicroseconds ?? 0) / steps);
        }

        // The allreduce alone on the same buffer (gradient, loss, correct count, failure flag), back to back.
        double aloneUs = 0;
        if (comm.Size > 1)
        {
            var buffer = new float[net.Signature.GradientLength + 3];
            for (int i = 0; i < 20; i++) comm.AllReduceSum(buffer);
            var times = new List<double>();
            for (int i = 0; i < 200; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                comm.AllReduceSum(buffer);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }
            aloneUs = Median(times);
        }
        if (comm.Rank != 0) return 0;

        double median = Median(perStep), min = perStep.Min(), ar = Median(allReduce);
        var inv = CultureInfo.InvariantCulture;
        string F(double v, string format = "0.0") => v.ToString(format, inv);
        if (json)
            Console.WriteLine($"{{\"case\":\"mlp-40-100-100-10\",\"op\":\"data_parallel_step\",\"optimizer\":\"sgd\",\"batch\":{batchPerRank},\"ranks\":{comm.Size}," +
                              $"\"dtype\":\"f32\",\"threads\":{threads},\"backend\":\"roslyn\",\"median_us\":{F(median)},\"min_us\":{F(min)}," +
                              $"\"samples_per_s\":{F(global / (median * 1e-6), "0")},\"steps_per_s\":{F(1e6 / median, "0.0")},\"allreduce_us\":{F(ar)}," +
                              $"\"allreduce_share\":{F(ar / median, "0.000")},\"allreduce_alone_us\":{F(aloneUs)},\"compile_ms\":{F(compileMs, "0")}," +
                              $"\"transport\":\"{comm.Description}\"}}");
        else
            Console.WriteLine($"data-parallel mlp-40-100-100-10 sgd, {comm.Size} rank(s) × {threads} thread(s), {batchPerRank} rows per rank: " +
                              $"step median {F(median)} µs (min {F(min)}), {F(1e6 / median)} steps/s, {F(global / (median * 1e-6), "0")} samples/s; " +
                              $"allreduce {F(ar)} µs per step ({F(100 * ar / median)} %), alone {F(aloneUs)} µs; {comm.Description}");
        return 0;
    }

    /// <summary>
    /// What splitting the step costs in one process: the fused <c>TrainStep</c> against <c>ComputeGradients</c> +
    /// <c>ApplyUpdate</c> of the same model on the same batch, alternating, median over <paramref name="repeats"/> runs of
    /// <paramref name="steps"/> steps each.
    /// </summary>
    public static int SplitCost(int batch, int threads, int steps, int repeats)
    {
        Parallelism.MaxThreads = threads;
        var net = Model.Build(Networks.Mlp(40, new[] { 100, 100 }, 10), 40, 1)
            .Compile(new TrainingSetup(Loss.SoftmaxCrossEntropy(), Optimizer.Sgd(0.01)) { SplitStep = true, Dropout = false }, Backend.Roslyn);
        var rng = new Random(7);
        var x = Enumerable.Range(0, batch * 40).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var t = new float[batch * 10];
        for (int i = 0; i < batch; i++) t[i * 10 + rng.Next(10)] = 1;
        double Time(bool split)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                if (split) { net.ComputeGradients(x, t, batch); net.ApplyUpdate(0.01); }
                else net.TrainStep(x, t, batch, 0.01);
            }
            return Stopwatch.GetElapsedTime(t0).TotalMicroseconds / steps;
        }
        Time(false); Time(true); // warm-up
        var fused = new List<double>(); var split = new List<double>();
        for (int r = 0; r < repeats; r++) { fused.Add(Time(false)); split.Add(Time(true)); }
        double f = Median(fused), sp = Median(split);
        Console.WriteLine($"mlp-40-100-100-10 sgd b{batch}, {threads} thread(s): fused TrainStep {f:0.0} µs, ComputeGradients + ApplyUpdate {sp:0.0} µs ({sp / f:0.000}×)");
        return 0;
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(t => t).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
