using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Nabla;
using Nabla.Data;
using Nabla.Distributed;
using Nabla.Reporting;
using Nabla.Runtime;
using Nabla.Search;
using Nabla.Training;

namespace Mnist1D;

/// <summary>
/// <c>--search random|coarse-to-fine|bayes|all</c>: tunes the example's model on a validation split held out of the
/// training set (the test split is never the objective). Each trial trains a fresh model for <c>--steps</c> steps
/// (default 1,500) with the command line's options and the trial's hyperparameters, measures the validation accuracy
/// every <c>--report-every</c> steps (median stopping prunes hopeless trials), and returns the last one. Trials run on
/// <c>--workers</c> threads, each single-threaded, and are logged as JSON lines, so an interrupted search resumes.
/// At the end the best configuration and the command line's own ("default") configuration are both retrained on
/// the whole training set and measured on the test split.
/// </summary>
public static class HyperparameterSearch
{
    /// <summary>
    /// The default search space: the lecture's learning rate on a log scale, width, dropout, batch size, and the largest
    /// random shift of the training signals (augmentation, 0: none); the optimizer stays the command line's (Adam).
    /// Adding <c>optimizer={sgd,momentum,adam}</c> makes a 6-D space with a strong interaction (each optimizer has its
    /// own good learning rates) that 30 trials of Bayesian optimization do not reliably untangle: see the README.
    /// </summary>
    public const string DefaultSpace = "lr=1e-4..1e-1:log; hidden={64,100,128,256}; dropout=0..0.5; batch={32,64,100,128}; shift=0..6:int";

    /// <summary>The default space for the models with fixed layers (cnn, logistic): <see cref="DefaultSpace"/> without hidden.</summary>
    public const string DefaultSpaceWithoutHidden = "lr=1e-4..1e-1:log; dropout=0..0.5; batch={32,64,100,128}; shift=0..6:int";

    /// <summary>The default validation split of a search (training examples held out).</summary>
    public const int DefaultValidation = 1000;

    /// <summary>The default training budget of one trial, in steps.</summary>
    public const long DefaultTrialSteps = 1500;

    /// <summary>The hyperparameters a search space may name.</summary>
    public static readonly string[] Names = { "lr", "hidden", "dropout", "batch", "optimizer", "weight_decay", "shift", "noise", "schedule" };

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Parses and checks <paramref name="spec"/> for <paramref name="model"/>: the grammar of <see cref="SearchSpace.Parse"/>,
    /// known names only, and values every option accepts (e.g. a learning rate range above 0, dropout below 1).
    /// </summary>
    /// <exception cref="UsageException">One line naming the hyperparameter and what is wrong.</exception>
    public static SearchSpace ParseSpace(string spec, string model)
    {
        SearchSpace space;
        try { space = SearchSpace.Parse(spec); }
        catch (FormatException e) { throw new UsageException("--space: " + e.Message); }
        foreach (var p in space.Parameters)
        {
            if (!Names.Contains(p.Name))
                throw new UsageException($"--space: unknown hyperparameter '{p.Name}'; the example tunes {string.Join(", ", Names)}.");
            if (p.Name == "hidden" && (model == "cnn" || model == "logistic"))
                throw new UsageException($"--space: hidden: --model {model} has fixed layers; remove hidden from the space.");
            bool text = p.Name is "optimizer" or "schedule";
            if (text != p.IsStringChoice)
                throw new UsageException(text ? $"--space: {p.Name} is a choice of names, e.g. {p.Name}={{{string.Join(",", (p.Name == "optimizer" ? Options.OptimizerNames : Options.ScheduleNames).Take(3))}}}."
                                               : $"--space: {p.Name} takes numbers, got the names {p}.");
            if (text)
            {
                var allowed = p.Name == "optimizer" ? Options.OptimizerNames : Options.ScheduleNames;
                foreach (string c in p.Choices.Cast<string>())
                    if (!allowed.Contains(c)) throw new UsageException($"--space: {p.Name}: unknown value '{c}'; use {string.Join(", ", allowed)}.");
                continue;
            }
            double lo = p.Kind == HyperparameterKind.Choice ? p.Choices.Min(Convert.ToDouble) : p.Lo;
            double hi = p.Kind == HyperparameterKind.Choice ? p.Choices.Max(Convert.ToDouble) : p.Hi;
            bool integral = p.Kind == HyperparameterKind.Integer || (p.Kind == HyperparameterKind.Choice && p.Choices.All(c => Convert.ToDouble(c) == Math.Floor(Convert.ToDouble(c))));
            string? bad = p.Name switch
            {
                "lr" => lo > 0 ? null : "the learning rate must be > 0",
                "dropout" => lo >= 0 && hi < 1 ? null : "the dropout probability must be in [0, 1)",
                "weight_decay" or "noise" => lo >= 0 ? null : "the value must be ≥ 0",
                "batch" or "hidden" => integral && lo >= 1 ? null : "the value must be a whole number ≥ 1",
                "shift" => integral && lo >= 0 && hi <= 39 ? null : "the shift must be a whole number in 0..39",
                _ => null,
            };
            if (bad != null) throw new UsageException($"--space: {p.Name}={SpecOf(p)}: {bad}.");
        }
        return space;
    }

    /// <summary>The options of one trial: <paramref name="o"/> with the values of <paramref name="c"/>.</summary>
    public static Options Apply(Options o, Configuration c) => o.With(t =>
    {
        foreach (var p in c.Space.Parameters)
        {
            switch (p.Name)
            {
                case "lr": t.SetLearningRate(c.GetDouble("lr")); break;
                case "hidden": t.SetHidden(c.GetInt("hidden")); break;
                case "dropout": t.SetDropout(c.GetDouble("dropout")); break;
                case "batch": t.SetBatch(c.GetInt("batch")); break;
                case "optimizer": t.SetOptimizer(c.GetString("optimizer")); break;
                case "weight_decay": t.SetWeightDecay(c.GetDouble("weight_decay")); break;
                case "shift": t.SetShift(c.GetInt("shift")); break;
                case "noise": t.SetNoise(c.GetDouble("noise")); break;
                case "schedule": t.SetSchedule(c.GetString("schedule")); break;
                default: throw new InvalidOperationException($"unknown hyperparameter '{p.Name}' (ParseSpace lets only known names through)");
            }
        }
    });

    /// <summary>The strategy called <paramref name="name"/>.</summary>
    public static ISearchStrategy StrategyOf(string name, Options o) => name switch
    {
        "random" => new RandomSearch(),
        "coarse-to-fine" => new CoarseToFine(),
        "bayes" => new BayesianOptimization(initialTrials: o.InitialTrials, xi: o.Xi),
        _ => throw new UsageException($"--search: unknown strategy '{name}'."),
    };

    /// <summary>
    /// Describes everything besides the hyperparameters that a trial's result depends on (model, split, budget, the
    /// fixed options): recorded in the log's header, so a log is resumed only by a search whose trials mean the same.
    /// </summary>
    public static string ObjectiveOf(Options o) => string.Create(Inv,
        $"mnist1d {o.Model} val={o.Validation} split_seed={Program.ValidationSplitSeed} steps={o.Steps} report_every={o.ReportEvery} " +
        $"hidden={string.Join(",", o.Hidden)} residual={o.Residual} init={o.Init} optimizer={o.Optimizer} lr={o.LearningRate:R} batch={o.Batch} " +
        $"dropout={o.Dropout:R} wd={o.WeightDecay:R} schedule={o.Schedule} shift={o.Shift} noise={o.Noise:R} shuffle={o.Shuffle} " +
        $"normalize={o.Normalize} backend={o.Backend} data={Path.GetFullPath(o.Data)}");

    /// <summary>Runs the search of <paramref name="o"/> and prints its results; returns the exit code.</summary>
    public static int Run(Options o, TextWriter stdout, ICommunicator comm)
    {
        // 1. Everything that can be wrong is checked before any work: data, split, space, output paths, the logs.
        var space = ParseSpace(o.Space, o.Model);
        var (trainAll, test) = Program.LoadData(o.Data);
        if (o.Validation >= trainAll.Count)
            throw new UsageException($"--validation: {o.Validation} held-out examples leave none of the {trainAll.Count} training examples to train on.");
        var (train, validation) = trainAll.Split((trainAll.Count - o.Validation) / (double)trainAll.Count, Program.ValidationSplitSeed);
        if (o.Normalize)
        {
            var norm = Normalizer.Fit(train);
            train = norm.Apply(train); validation = norm.Apply(validation);
            var normAll = Normalizer.Fit(trainAll);
            trainAll = normAll.Apply(trainAll); test = normAll.Apply(test);
        }
        string[] strategies = o.Search == "all" ? new[] { "random", "coarse-to-fine", "bayes" } : new[] { o.Search! };
        IPruningRule? pruning = o.Pruning == "median" ? new MedianStopping() : null;
        string objective = ObjectiveOf(o);
        // Under mpirun with --distributed the ranks are the workers (one trial each at a time); rank 0 writes every file.
        bool writer = comm.Rank == 0;
        int workers = comm.Size > 1 ? comm.Size : o.Workers;
        var logs = strategies.ToDictionary(s => s, s => o.SearchLog is null ? DefaultLogPath(s, space, o, workers, pruning, objective)
            : strategies.Length == 1 ? o.SearchLog : InsertBeforeExtension(o.SearchLog, "-" + s));
        string gpPlot = InsertBeforeExtension(o.Plot, "-gp");
        if (writer)
        {
            Program.CheckWritable(o.Plot, "--plot");
            foreach (var (s, path) in logs) Program.CheckWritable(path, "--search-log");
            if (strategies.Contains("bayes")) Program.CheckWritable(gpPlot, "--plot (its GP figure)");
            if (o.Save is not null) Program.CheckWritable(o.Save, "--save");
            // Every log is opened (created, or checked against this search) before any trial runs: a foreign file or a log
            // of another search fails now, not after the first strategies have run.
            foreach (var name in strategies)
                using (SearchLog.Open(logs[name], space, StrategyOf(name, o), o.Seed, workers, true, o.Trials, pruning, objective)) { }
        }

        stdout.WriteLine($"MNIST-1D search: {train.Count} training examples, {validation.Count} held out for validation (the objective), " +
                         $"{test.Count} test examples kept out until the end");
        stdout.WriteLine($"model: {o.Model}; fixed: {FixedText(o, space)}");
        stdout.WriteLine($"space: {space}");
        stdout.WriteLine($"{o.Trials} trials of ≤ {o.Steps} steps on {workers} {(comm.Size > 1 ? $"MPI ranks ({comm.Description})" : "worker(s)")}, each single-threaded; validation accuracy every {o.ReportEvery} steps; " +
                         (pruning is null ? "no pruning" : $"pruning: {pruning.Name}"));

        // 2. The searches. Each trial's kernels run on one thread: W trials use W cores.
        int threadsBefore = Parallelism.MaxThreads;
        var results = new Dictionary<string, (SearchResult Result, double Seconds, ISearchStrategy Strategy)>();
        try
        {
            Parallelism.MaxThreads = 1;
            foreach (var name in strategies)
            {
                var strategy = StrategyOf(name, o);
                stdout.WriteLine($"{name}: {strategy.Name}; log {logs[name]}");
                var clock = Stopwatch.StartNew();
                SearchResult r;
                using (var display = SearchConsole.Create(space, name, "val_accuracy", ReferenceEquals(stdout, Console.Out) ? null : stdout))
                {
                    r = SearchRunner.Run(space, strategy, (c, ctx) => Trial(Apply(o, c), train, validation, ctx),
                        new SearchOptions
                        {
                            Trials = o.Trials, Workers = workers, Seed = o.Seed, Maximize = true, LogPath = logs[name],
                            Pruning = pruning, Objective = objective, Progress = display.Report, Communicator = comm,
                        });
                }
                double seconds = clock.Elapsed.TotalSeconds;
                if (r.Resumed > 0) stdout.WriteLine($"{name}: {r.Resumed} of {o.Trials} trials read from the log");
                if (r.Best is null) throw new UsageException($"--search {name}: every trial failed (first error: {r.Trials.FirstOrDefault()?.Error}); check the space.");
                stdout.WriteLine($"{name}: best {r.Best}; {r.Trials.Count(t => t.Pruned)} pruned, {r.Trials.Count(t => !t.Succeeded)} failed, " +
                                 $"{seconds.ToString("0.0", Inv)} s");
                results[name] = (r, seconds, strategy);
            }
        }
        finally { Parallelism.MaxThreads = threadsBefore; }

        // 3. The best configuration against the command line's own: on the validation split with the search's seed and
        // with --confirm more seeds (the search's best value is the largest of many noisy ones, so it flatters), then both
        // trained on the whole training set for the test split. The trainings are independent: W at a time, one thread each
        // (over MPI ranks: each rank runs its share, rank 0 the whole-set training of the best configuration it saves).
        var (winner, best) = results.Select(kv => (kv.Key, kv.Value.Result.Best!)).OrderByDescending(x => x.Item2.Value).ThenBy(x => Array.IndexOf(strategies, x.Key)).First();
        var bestOptions = Apply(o, best.Configuration);
        var jobs = new List<(Options Options, Dataset Train, Dataset Measure, long Seed)>
        {
            (o, train, validation, o.Seed), (bestOptions, trainAll, test, o.Seed), (o, trainAll, test, o.Seed),
        };
        for (int j = 1; j <= o.Confirm; j++) { jobs.Add((bestOptions, train, validation, o.Seed + j)); jobs.Add((o, train, validation, o.Seed + j)); }
        stdout.WriteLine($"retraining: the default configuration on the validation split, both on the whole training set" +
                         (o.Confirm > 0 ? $", and both with {SeedsText(o)} on the validation split" : "") + $" ({jobs.Count} runs)");
        var accuracies = new double[jobs.Count];
        Network? final = null;
        try
        {
            Parallelism.MaxThreads = 1;
            System.Threading.Tasks.Parallel.For(0, jobs.Count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = comm.Size > 1 ? 1 : o.Workers }, i =>
            {
                if ((i + comm.Size - 1) % comm.Size != comm.Rank) return; // job 1 (the checkpoint's) on rank 0
                var (jo, jt, jm, js) = jobs[i];
                var network = Train(jo, jt, js);
                accuracies[i] = network.Evaluate(jm).Accuracy ?? 0;
                if (i == 1) final = network;
            });
        }
        finally { Parallelism.MaxThreads = threadsBefore; }
        using (comm.WithoutTimeout()) comm.AllReduceSum(accuracies); // each job's accuracy is non-zero on its own rank only; ranks finish at different times
        if (!writer) return 0;
        double defaultVal = accuracies[0], testAccuracy = accuracies[1], defaultTest = accuracies[2];
        if (o.Save is not null)
        {
            final!.Save(o.Save);
            stdout.WriteLine($"checkpoint of the best configuration trained on all {trainAll.Count} training examples written to {o.Save}");
        }
        // 4. The figures: best-so-far validation error per trial against the default's; the GP's view of the learning rate.
        WriteBestSoFar(o.Plot, results.ToDictionary(kv => kv.Key, kv => kv.Value.Result), o, defaultVal);
        stdout.WriteLine($"figure written to {o.Plot}");
        if (results.TryGetValue("bayes", out var bayes) &&
            GpFigure.Write(gpPlot, space, (BayesianOptimization)bayes.Strategy, bayes.Result, workers, o.Seed, o.Trials))
            stdout.WriteLine($"GP figure written to {gpPlot}");

        if (o.Confirm > 0)
        {
            var bestRuns = Enumerable.Range(0, o.Confirm).Select(j => accuracies[3 + 2 * j]).ToArray();
            var defaultRuns = Enumerable.Range(0, o.Confirm).Select(j => accuracies[4 + 2 * j]).ToArray();
            stdout.WriteLine($"retrained on the validation split, {SeedsText(o)}: best configuration {string.Join(", ", bestRuns.Select(F))}; " +
                             $"default {string.Join(", ", defaultRuns.Select(F))}");
            stdout.WriteLine($"retrained_best_val_accuracy={F(bestRuns.Average())} retrained_default_val_accuracy={F(defaultRuns.Average())}");
        }
        foreach (var (name, (r, seconds, _)) in results)
        {
            string suffix = strategies.Length > 1 ? "_" + name.Replace('-', '_') : "";
            stdout.WriteLine($"search_time_s{suffix}={seconds.ToString("0.0", Inv)} trials{suffix}={r.Trials.Count} pruned{suffix}={r.Trials.Count(t => t.Pruned)}" +
                             (strategies.Length > 1 ? $" best_val_accuracy{suffix}={F(r.Best!.Value)}" : ""));
        }
        stdout.WriteLine($"default_test_accuracy={F(defaultTest)}");
        stdout.WriteLine($"best_config={best.Configuration}" + (strategies.Length > 1 ? $" (found by {winner})" : ""));
        stdout.WriteLine($"best_val_accuracy={F(best.Value)}");
        stdout.WriteLine($"default_val_accuracy={F(defaultVal)}");
        stdout.WriteLine($"test_accuracy={F(testAccuracy)}");
        return 0;
    }

    /// <summary>One trial: trains a fresh model with <paramref name="o"/> from the trial's seed, reporting the validation accuracy; returns the last one.</summary>
    private static double Trial(Options o, Dataset train, Dataset validation, TrialContext ctx)
    {
        var model = Program.ModelOf(o, train.ExampleSize, ctx.Seed);
        var network = Program.Compile(model, o, ctx.Seed);
        var options = Program.TrainingOptionsOf(o, train.Count, ctx.Seed);
        var reporter = new ValidationReporter(ctx, validation, o.ReportEvery);
        options.Callbacks.Add(reporter);
        network.Fit(train, options);
        // Pruned: its last measurement. Otherwise the final model's (after a diverged run too: its accuracy is what it is).
        return ctx.ShouldStop ? reporter.Last : network.Evaluate(validation).Accuracy ?? double.NaN;
    }

    private static Network Train(Options o, Dataset train, long seed)
    {
        var network = Program.Compile(Program.ModelOf(o, train.ExampleSize, seed), o, seed);
        network.Fit(train, Program.TrainingOptionsOf(o, train.Count, seed));
        return network;
    }

    private static void WriteBestSoFar(string path, IReadOnlyDictionary<string, SearchResult> results, Options o, double defaultVal)
    {
        var colors = new Dictionary<string, string> { ["random"] = "#1f77b4", ["coarse-to-fine"] = "#ff7f0e", ["bayes"] = "#2ca02c" };
        var plot = new SvgPlot($"MNIST-1D {o.Model}: best validation error so far ({o.Trials} trials of ≤ {o.Steps} steps, seed {o.Seed})",
            "trial", "validation error (1 − accuracy)") { Width = 800, Height = 480 };
        foreach (var (name, r) in results)
        {
            var xs = new List<double>(); var best = new List<double>();
            double b = double.NaN;
            foreach (var t in r.Trials)
            {
                if (t.Succeeded && (double.IsNaN(b) || 1 - t.Value < b)) b = 1 - t.Value;
                xs.Add(t.Index + 1); best.Add(b);
            }
            plot.Add(name + " (best so far)", xs, best, colors[name]);
            var done = r.Trials.Where(t => t.Succeeded).ToArray();
            plot.AddPoints(name + " trials", done.Select(t => (double)t.Index + 1).ToArray(), done.Select(t => 1 - t.Value).ToArray(),
                done.Select(t => t.Pruned ? 2.0 : 3.5).ToArray(), colors[name]);
        }
        plot.Add($"default configuration ({1 - defaultVal:0.000})", new double[] { 1, o.Trials }, new[] { 1 - defaultVal, 1 - defaultVal }, "#7f7f7f", dashed: true);
        plot.YRange = (0, Math.Min(1, results.Values.SelectMany(r => r.Trials).Where(t => t.Succeeded).Select(t => 1 - t.Value).DefaultIfEmpty(1).Max() + 0.05));
        plot.Save(path);
    }

    private static string DefaultLogPath(string strategy, SearchSpace space, Options o, int workers, IPruningRule? pruning, string objective)
    {
        string identity = string.Join("\n", space.ToString(), StrategyOf(strategy, o).Name, o.Seed.ToString(Inv), workers.ToString(Inv),
            o.Trials.ToString(Inv), pruning?.Name ?? "none", objective);
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..8].ToLowerInvariant();
        return Path.Combine("out", $"search-{strategy}-{hash}.jsonl");
    }

    private static string InsertBeforeExtension(string path, string suffix)
    {
        string ext = Path.GetExtension(path);
        return path.Substring(0, path.Length - ext.Length) + suffix + ext;
    }

    private static string FixedText(Options o, SearchSpace space)
    {
        var parts = new List<(string Name, string Value)>
        {
            ("lr", o.LearningRate.ToString("R", Inv)), ("hidden", string.Join(",", o.Hidden)), ("dropout", o.Dropout.ToString("R", Inv)),
            ("batch", o.Batch.ToString(Inv)), ("optimizer", o.Optimizer), ("weight_decay", o.WeightDecay.ToString("R", Inv)),
            ("shift", o.Shift.ToString(Inv)), ("noise", o.Noise.ToString("R", Inv)), ("schedule", o.Schedule),
        };
        if (o.Model is "cnn" or "logistic") parts.RemoveAll(p => p.Name == "hidden");
        return string.Join(", ", parts.Where(p => !space.Contains(p.Name)).Select(p => p.Name + "=" + p.Value));
    }

    private static string SpecOf(Hyperparameter p) => p.ToString().Substring(p.Name.Length + 1);

    private static string SeedsText(Options o) =>
        o.Confirm == 1 ? $"seed {o.Seed + 1}" : $"seeds {o.Seed + 1}..{o.Seed + o.Confirm}";

    private static string F(double v) => v.ToString("0.0000", Inv);
}
