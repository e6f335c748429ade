using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Mnist1D;

/// <summary>The example's command line, parsed and checked (every value is valid once <see cref="Parse"/> returns).</summary>
public sealed class Options
{
    /// <summary>The optimizers the example offers.</summary>
    public static readonly string[] OptimizerNames = { "sgd", "momentum", "rmsprop", "adagrad", "adam", "adamw" };
    /// <summary>The models the example offers.</summary>
    public static readonly string[] ModelNames = { "mlp", "gru", "logistic", "cnn" };
    /// <summary>The learning-rate schedules the example offers.</summary>
    public static readonly string[] ScheduleNames = { "constant", "cosine" };

    /// <summary>The model: mlp (the MNIST-1D paper's MLP, the default), gru (the notebooks' bidirectional GRU, see <see cref="Grus"/>), logistic (one Linear(40, 10), the paper's logistic regression) or cnn (the paper's three-convolution CNN, see <see cref="Cnns"/>).</summary>
    public string Model { get; private set; } = "mlp";

    /// <summary>The hidden layer widths (default 100,100: the MNIST-1D paper's MLP; for the GRU one width, default 6).</summary>
    public int[] Hidden { get; private set; } = { 100, 100 };
    /// <summary>Whether a hidden layer as wide as the one before adds a skip connection, h + relu(W h + b) (the paper's MLP has one).</summary>
    public bool Residual { get; private set; } = true;
    /// <summary>The weight initialization: pytorch (the MNIST-1D notebook's: uniform ±1/√fan_in), he or glorot.</summary>
    public string Init { get; private set; } = "pytorch";
    /// <summary>Whether each epoch visits the training examples in a new seeded order (else in file order, as the paper's notebook).</summary>
    public bool Shuffle { get; private set; } = true;
    /// <summary>The optimizer name.</summary>
    public string Optimizer { get; private set; } = "adam";
    /// <summary>The learning rate.</summary>
    public double LearningRate { get; private set; } = 0.01;
    /// <summary>The mini-batch size (≥ the number of examples: full batch).</summary>
    public int Batch { get; private set; } = 100;
    /// <summary>Training length in epochs, if given.</summary>
    public int? Epochs { get; private set; }
    /// <summary>Training length in optimizer steps (default 6000 unless epochs are given).</summary>
    public long? Steps { get; private set; }
    /// <summary>The seed of initialization, shuffling, dropout, augmentation (--shift, --noise) and random labels.</summary>
    public long Seed { get; private set; } = 1;
    /// <summary>Kernel threads (default: all cores).</summary>
    public int? Threads { get; private set; }
    /// <summary>
    /// Dropout probability after each hidden layer (default 0.2; 0: none). The paper's notebook has none; with none this
    /// MLP overfits to 0.63–0.66 test accuracy here, with 0.2 it reaches 0.68–0.69 (seeds 1–5). For the GRU: dropout on
    /// its flattened output, before the linear layer (default <see cref="Grus.DefaultDropout"/>).
    /// </summary>
    public double Dropout => _dropout ?? (Model == "gru" ? Grus.DefaultDropout : Model == "cnn" ? Cnns.DefaultDropout : 0.2);
    private double? _dropout;
    /// <summary>The learning-rate schedule: constant (the MLP's default) or cosine (annealed to 0 over the run; the GRU's default, <see cref="Grus.DefaultSchedule"/>).</summary>
    public string Schedule => _schedule ?? (Model == "gru" ? Grus.DefaultSchedule : Model == "cnn" ? Cnns.DefaultSchedule : "constant");
    private string? _schedule;
    /// <summary>The largest random shift (in positions, edge-filled, per training example and step) of the training inputs; 0: none (the default, except for the CNN: <see cref="Cnns.DefaultShift"/>).</summary>
    public int Shift => _shift ?? (Model == "cnn" ? Cnns.DefaultShift : 0);
    private int? _shift;
    /// <summary>The standard deviation of Gaussian noise added to the training inputs per step (0: none, the default).</summary>
    public double Noise { get; private set; }
    /// <summary>Training examples held out (a seeded random subset) as the validation split watched during training (0: the test split is watched).</summary>
    public int Validation { get; private set; }
    /// <summary>L2 weight decay (0: none).</summary>
    public double WeightDecay { get; private set; }
    /// <summary>A checkpoint to start from.</summary>
    public string? Load { get; private set; }
    /// <summary>Where to write the checkpoint after training.</summary>
    public string? Save { get; private set; }
    /// <summary>Whether inputs are standardized with the training set's mean and std.</summary>
    public bool Normalize { get; private set; } = true;
    /// <summary>Whether the training labels are replaced by random ones.</summary>
    public bool RandomLabels { get; private set; }
    /// <summary>The run-time compiler backend: roslyn or expressions.</summary>
    public string Backend { get; private set; } = "expressions";
    /// <summary>The folder with train.csv and test.csv.</summary>
    public string Data { get; private set; } = Path.Combine(AppContext.BaseDirectory, "data");
    /// <summary>Where the SVG plot goes.</summary>
    public string Plot { get; private set; } = Path.Combine("out", "mnist1d.svg");
    /// <summary>Whether to run the figure 20.2 experiment instead of one training run.</summary>
    public bool Figure202 { get; private set; }
    /// <summary>The step cap per model of the figure 20.2 experiment.</summary>
    public long MaxSteps { get; private set; } = 30000;
    /// <summary>The learning rate of the figure 20.2 experiment (the lecture's 0.0025 unless --lr is given).</summary>
    public double FigureLearningRate { get; private set; } = 0.0025;
    /// <summary>Whether the figure 20.2 models are given (else the lecture's four).</summary>
    public bool HiddenGiven { get; private set; }
    /// <summary>The search strategies of <c>--search</c> (all: the three on the same budget, compared).</summary>
    public static readonly string[] SearchNames = { "random", "coarse-to-fine", "bayes", "all" };
    /// <summary>The hyperparameter search strategy (<see cref="SearchNames"/>), or null for one training run.</summary>
    public string? Search { get; private set; }
    /// <summary>The number of trials of the search (default 30).</summary>
    public int Trials { get; private set; } = 30;
    /// <summary>The number of trials run at once, each single-threaded (default: the number of cores).</summary>
    public int Workers { get; private set; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>The search space (default <see cref="HyperparameterSearch.DefaultSpace"/>).</summary>
    public string Space { get; private set; } = HyperparameterSearch.DefaultSpace;
    private bool _spaceGiven, _bayesOptionGiven;
    /// <summary>The search's JSON-lines log, resumed when it exists (default: under out/, named after the search's settings).</summary>
    public string? SearchLog { get; private set; }
    /// <summary>Early stopping of hopeless trials: median (the default) or none.</summary>
    public string Pruning { get; private set; } = "median";
    /// <summary>How often (in steps) a trial measures its validation accuracy and may be pruned (default 250).</summary>
    public long ReportEvery { get; private set; } = 250;
    /// <summary>How many more seeds the best and the default configuration are retrained with on the validation split after a search (default 3; 0: none).</summary>
    public int Confirm { get; private set; } = 3;
    /// <summary>The number of initial (Latin hypercube) trials of --search bayes before the GP is used (default 5).</summary>
    public int InitialTrials { get; private set; } = 5;
    /// <summary>The exploration margin ξ of expected improvement for --search bayes, in validation accuracy (default 0).</summary>
    public double Xi { get; private set; }
    /// <summary>Whether --plot was given.</summary>
    public bool PlotGiven { get; private set; }
    /// <summary>Whether the run spans the ranks of an MPI job (<c>mpirun -np N … --distributed</c>): data-parallel training, or the search's trials spread over the ranks.</summary>
    public bool Distributed { get; private set; }
    /// <summary>After a distributed training run, rank 0 trains the same run in one process and prints how far the weights differ.</summary>
    public bool CompareSingle { get; private set; }

    /// <summary>A copy of these options with the values of a search configuration set (see <see cref="HyperparameterSearch.Apply"/>).</summary>
    internal Options With(Action<Options> change)
    {
        var o = (Options)MemberwiseClone();
        o.Hidden = (int[])Hidden.Clone();
        change(o);
        return o;
    }

    internal void SetLearningRate(double lr) => LearningRate = lr;
    internal void SetBatch(int batch) => Batch = batch;
    internal void SetOptimizer(string name) => Optimizer = name;
    internal void SetWeightDecay(double wd) => WeightDecay = wd;
    internal void SetNoise(double sigma) => Noise = sigma;
    internal void SetDropout(double p) => _dropout = p;
    internal void SetShift(int shift) => _shift = shift;
    internal void SetSchedule(string schedule) => _schedule = schedule;
    internal void SetHidden(int width) => Hidden = Enumerable.Repeat(width, Hidden.Length == 0 ? 1 : Hidden.Length).ToArray();
    internal void SetSeed(long seed) => Seed = seed;

    /// <summary>Whether --help was asked for.</summary>
    public bool Help { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage =
@"Usage: dotnet run -c Release --project examples/Mnist1D -- [options]

Trains an MLP, a GRU or a CNN on MNIST-1D (4000 training / 1000 test examples of 40 values, 10 classes) and prints
train_accuracy=… and test_accuracy=… at the end. The defaults reproduce the MNIST-1D paper's MLP.

  --model NAME            mlp | gru | logistic | cnn (default mlp; gru: the notebooks' bidirectional GRU, hidden 6,
                          over the 40 steps; logistic: one Linear(40, 10), 410 parameters; cnn: the paper's three
                          strided Conv1d of 25 channels and Linear(125, 10), 5,210 parameters)
  --hidden 100,100        hidden layer widths (comma-separated; for --model gru one hidden size, default 6; at most
                          100,000,000 parameters in all)
  --no-residual           no skip connections (by default a hidden layer as wide as the previous one adds one)
  --init NAME             pytorch | he | glorot weight initialization (default pytorch, as the paper's notebook)
  --optimizer NAME        sgd | momentum | rmsprop | adagrad | adam | adamw (default adam; adamw: decoupled weight decay)
  --lr X                  learning rate (default 0.01; 0.0025 with --figure-20-2)
  --batch N               mini-batch size (default 100; ≥ 4000 means full batch)
  --epochs N | --steps N  training length, counted from step 0 (default 6000 steps; after --load, the rest)
  --seed N                seed of initialization, shuffling, dropout, augmentation and random labels (default 1)
  --threads N             kernel threads (default: all cores; with --distributed, the cores shared among the ranks on
                          each machine)
  --dropout P             dropout probability after each hidden layer, in [0, 1) (default 0.2; 0 = the notebook's exact MLP;
                          gru: before its linear layer, default 0.2; cnn: before its linear layer, default 0)
  --weight-decay X        L2 weight decay (default 0)
  --schedule NAME         constant | cosine learning rate (default constant, gru: cosine, annealed to 0 over the run;
                          cnn: cosine)
  --shift N               shift each training signal by a random -N..N positions per step, edge-filled (default 0;
                          cnn: 4)
  --noise S               add Gaussian noise of standard deviation S to the training inputs per step (default 0)
  --validation N          hold out N training examples (seeded) and watch them instead of the test split (default 0)
  --load FILE             start from a safetensors checkpoint (parameters, and optimizer state if present)
  --save FILE             write a safetensors checkpoint after training
  --normalize             standardize inputs with the training set's mean and std (default)
  --no-normalize          feed the CSV values as they are
  --no-shuffle            mini-batches in file order every epoch (default: a new seeded order per epoch)
  --random-labels         train on random labels (the test accuracy then drops to chance)
  --backend NAME          expressions | roslyn (default expressions: compiles in under a second; roslyn takes seconds)
  --data DIR              folder with train.csv and test.csv (default: the copy shipped with the example)
  --plot FILE             SVG plot of loss and accuracy (default out/mnist1d.svg)
  --figure-20-2           the lecture's figure 20.2: four MLPs fit random labels by full-batch gradient descent
  --max-steps N           step cap per model for --figure-20-2 (default 30000)
  --help                  this text

Across processes (MPI: start with mpirun -np N; one process without it):
  --distributed           data-parallel training: each rank computes the gradient of its share of every batch, and one
                          MPI_Allreduce per step sums them (the batch order, augmentation and dropout are a one-process
                          run's); with --search, the trials run on the ranks instead. Rank 0 prints and writes files
  --compare-single        after --distributed training, rank 0 trains the same run in one process and prints
                          max_rel_diff= (the largest weight difference, relative to its tensor's largest value)

Hyperparameter search (the objective is the accuracy on a validation split held out of the training set):
  --search NAME           random | coarse-to-fine | bayes | all (all: the three on the same budget, compared);
                          prints best_config=, best_val_accuracy=, default_val_accuracy= and test_accuracy= (the best
                          configuration retrained on the whole training set)
  --trials N              number of trials (default 30)
  --workers W             trials run at once, each single-threaded (default: the number of cores)
  --space SPEC            the search space (default ""lr=1e-4..1e-1:log; hidden={64,100,128,256}; dropout=0..0.5;
                          batch={32,64,100,128}; shift=0..6:int""); names: lr, hidden, dropout, batch, optimizer,
                          weight_decay, shift, noise, schedule; ranges a..b, :log, :int, or choices {a,b}; what the
                          space leaves out stays as the other options say
  --search-log FILE       JSON-lines log of the trials, resumed when it exists (default: out/search-<name>-<hash>.jsonl,
                          the hash of the search's settings)
  --pruning NAME          median | none: stop a trial whose validation accuracy is below the median of earlier
                          trials' at the same step (default median)
  --report-every N        steps between a trial's validation measurements (default 250)
  --initial N             bayes: Latin-hypercube trials before the GP takes over (default 5)
  --xi X                  bayes: expected improvement's exploration margin, in validation accuracy (default 0)
  --confirm K             retrain the best and the default configuration with K more seeds on the validation split
                          (the search's best value is the largest of many noisy ones) (default 3; 0: skip)
  In a search --steps is each trial's budget (default 1500), --validation the held-out split (default 1000), --plot
  the best-so-far figure (default out/search.svg; bayes also writes the GP slice next to it, *-gp.svg); every trial
  and every retraining runs on one thread, W at a time (--threads does not apply).";

    /// <summary>Parses <paramref name="args"/>; a <see cref="UsageException"/> names the first bad option.</summary>
    public static Options Parse(IReadOnlyList<string> args)
    {
        var o = new Options();
        bool normalizeSet = false, validationGiven = false, searchOnly = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string name = a, value = "";
            bool inline = false;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 2) { name = a.Substring(0, eq); value = a.Substring(eq + 1); inline = true; }
            string Value()
            {
                if (inline) return value;
                if (i + 1 >= args.Count) throw new UsageException($"{name} needs a value.");
                // "--save --no-shuffle" forgot the file name: the next option is not taken as the value.
                if (args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{name} needs a value, but the next argument '{args[i + 1]}' is an option (write {name}=VALUE for a value that starts with --).");
                return args[++i];
            }
            void Flag() { if (inline) throw new UsageException($"{name} takes no value."); }
            switch (name)
            {
                case "--help": case "-h": Flag(); o.Help = true; break;
                case "--model":
                    string model = Value().Trim().ToLowerInvariant();
                    if (!ModelNames.Contains(model)) throw new UsageException($"--model: unknown model '{model}'; use {string.Join(", ", ModelNames.Take(ModelNames.Length - 1))} or {ModelNames[ModelNames.Length - 1]}.");
                    o.Model = model;
                    break;
                case "--schedule":
                    string schedule = Value().Trim().ToLowerInvariant();
                    if (!ScheduleNames.Contains(schedule)) throw new UsageException($"--schedule: unknown schedule '{schedule}'; use {string.Join(" or ", ScheduleNames)}.");
                    o._schedule = schedule;
                    break;
                case "--shift":
                    int sh = ParseInt(name, Value());
                    if (sh < 0 || sh >= 40) throw new UsageException($"--shift: the largest shift must be in 0..39 positions, got {sh}.");
                    o._shift = sh;
                    break;
                case "--noise":
                    double sigma = ParseDouble(name, Value());
                    if (!(sigma >= 0)) throw new UsageException($"--noise: the standard deviation must be >= 0, got {Show(sigma)}.");
                    o.Noise = sigma;
                    break;
                case "--validation":
                    int v = ParseInt(name, Value());
                    if (v < 0) throw new UsageException($"--validation: the number of held-out examples must be >= 0, got {v}.");
                    o.Validation = v; validationGiven = true;
                    break;
                case "--hidden": o.Hidden = ParseWidths(Value()); o.HiddenGiven = true; break;
                case "--residual": Flag(); o.Residual = true; break;
                case "--no-residual": Flag(); o.Residual = false; break;
                case "--init":
                    string init = Value().Trim().ToLowerInvariant();
                    if (init != "pytorch" && init != "he" && init != "glorot")
                        throw new UsageException($"--init: unknown initialization '{init}'; use pytorch, he or glorot.");
                    o.Init = init;
                    break;
                case "--optimizer":
                    string opt = Value().Trim().ToLowerInvariant();
                    if (!OptimizerNames.Contains(opt))
                        throw new UsageException($"--optimizer: unknown optimizer '{opt}'; use one of {string.Join(", ", OptimizerNames)}.");
                    o.Optimizer = opt;
                    break;
                case "--lr":
                    double lr = ParseDouble(name, Value());
                    if (!(lr > 0)) throw new UsageException($"--lr: the learning rate must be positive, got {Show(lr)}.");
                    o.LearningRate = o.FigureLearningRate = lr;
                    break;
                case "--batch":
                    o.Batch = ParseInt(name, Value());
                    if (o.Batch <= 0) throw new UsageException($"--batch: the batch size must be positive, got {o.Batch}.");
                    break;
                case "--epochs":
                    int e = ParseInt(name, Value());
                    if (e <= 0) throw new UsageException($"--epochs: the number of epochs must be positive, got {e}.");
                    o.Epochs = e;
                    break;
                case "--steps":
                    long s = ParseLong(name, Value());
                    if (s <= 0) throw new UsageException($"--steps: the number of steps must be positive, got {s}.");
                    o.Steps = s;
                    break;
                case "--max-steps":
                    long m = ParseLong(name, Value());
                    if (m <= 0) throw new UsageException($"--max-steps: the step cap must be positive, got {m}.");
                    o.MaxSteps = m;
                    break;
                case "--seed": o.Seed = ParseLong(name, Value()); break;
                case "--threads":
                    int t = ParseInt(name, Value());
                    if (t < 1 || t > 256) throw new UsageException($"--threads: must be between 1 and 256, got {t}.");
                    o.Threads = t;
                    break;
                case "--dropout":
                    double p = ParseDouble(name, Value());
                    if (!(p >= 0 && p < 1)) throw new UsageException($"--dropout: the probability must be in [0, 1), got {Show(p)}.");
                    o._dropout = p;
                    break;
                case "--weight-decay":
                    double wd = ParseDouble(name, Value());
                    if (!(wd >= 0)) throw new UsageException($"--weight-decay: must be ≥ 0, got {Show(wd)}.");
                    o.WeightDecay = wd;
                    break;
                case "--load": o.Load = NonEmpty(name, Value()); break;
                case "--save": o.Save = NonEmpty(name, Value()); break;
                case "--normalize": Flag(); Once(ref normalizeSet, o.Normalize != true); o.Normalize = true; break;
                case "--no-normalize": Flag(); Once(ref normalizeSet, o.Normalize != false); o.Normalize = false; break;
                case "--shuffle": Flag(); o.Shuffle = true; break;
                case "--no-shuffle": Flag(); o.Shuffle = false; break;
                case "--random-labels": Flag(); o.RandomLabels = true; break;
                case "--backend":
                    string b = Value().Trim().ToLowerInvariant();
                    if (b != "roslyn" && b != "expressions") throw new UsageException($"--backend: unknown backend '{b}'; use roslyn or expressions.");
                    o.Backend = b;
                    break;
                case "--data": o.Data = NonEmpty(name, Value()); break;
                case "--plot": o.Plot = NonEmpty(name, Value()); o.PlotGiven = true; break;
                case "--figure-20-2": Flag(); o.Figure202 = true; break;
                case "--distributed": Flag(); o.Distributed = true; break;
                case "--compare-single": Flag(); o.CompareSingle = true; break;
                case "--search":
                    string search = Value().Trim().ToLowerInvariant();
                    if (!SearchNames.Contains(search)) throw new UsageException($"--search: unknown strategy '{search}'; use {string.Join(", ", SearchNames.Take(SearchNames.Length - 1))} or {SearchNames[^1]}.");
                    o.Search = search;
                    break;
                case "--trials":
                    searchOnly = true;
                    o.Trials = ParseInt(name, Value());
                    if (o.Trials < 1) throw new UsageException($"--trials: a search needs at least one trial, got {o.Trials}.");
                    break;
                case "--workers":
                    searchOnly = true;
                    o.Workers = ParseInt(name, Value());
                    if (o.Workers < 1 || o.Workers > 256) throw new UsageException($"--workers: must be between 1 and 256, got {o.Workers}.");
                    break;
                case "--space": o.Space = Value(); o._spaceGiven = true; searchOnly = true; break;
                case "--search-log": o.SearchLog = NonEmpty(name, Value()); searchOnly = true; break;
                case "--pruning":
                    searchOnly = true;
                    string pruning = Value().Trim().ToLowerInvariant();
                    if (pruning != "median" && pruning != "none") throw new UsageException($"--pruning: unknown rule '{pruning}'; use median or none.");
                    o.Pruning = pruning;
                    break;
                case "--initial":
                    searchOnly = true; o._bayesOptionGiven = true;
                    o.InitialTrials = ParseInt(name, Value());
                    if (o.InitialTrials < 2) throw new UsageException($"--initial: Bayesian optimization needs at least 2 initial trials, got {o.InitialTrials}.");
                    break;
                case "--xi":
                    searchOnly = true; o._bayesOptionGiven = true;
                    o.Xi = ParseDouble(name, Value());
                    if (!(o.Xi >= 0)) throw new UsageException($"--xi: the exploration margin must be ≥ 0, got {Show(o.Xi)}.");
                    break;
                case "--confirm":
                    searchOnly = true;
                    o.Confirm = ParseInt(name, Value());
                    if (o.Confirm < 0 || o.Confirm > 100) throw new UsageException($"--confirm: the number of seeds must be in 0..100, got {o.Confirm}.");
                    break;
                case "--report-every":
                    searchOnly = true;
                    o.ReportEvery = ParseLong(name, Value());
                    if (o.ReportEvery < 1) throw new UsageException($"--report-every: must be at least 1 step, got {o.ReportEvery}.");
                    break;
                default:
                    throw new UsageException(a.StartsWith("-", StringComparison.Ordinal)
                        ? $"unknown option '{name}' (see --help)."
                        : $"unexpected argument '{a}' (options start with --; see --help).");
            }
        }
        if (o.Epochs is not null && o.Steps is not null) throw new UsageException("give either --epochs or --steps, not both.");
        if (o.CompareSingle && !o.Distributed) throw new UsageException("--compare-single checks a --distributed run against one process; add --distributed.");
        if (o.CompareSingle && o.Search is not null) throw new UsageException("--compare-single checks data-parallel training; it cannot be combined with --search.");
        if (o.Distributed && o.Figure202) throw new UsageException("--distributed: --figure-20-2 runs in one process.");
        if (o.Search is null && searchOnly) throw new UsageException("--trials, --workers, --space, --search-log, --pruning, --report-every, --initial, --xi and --confirm belong to a search; add --search random|coarse-to-fine|bayes|all.");
        if (o.Search is not null)
        {
            if (o.Figure202) throw new UsageException("--search tunes one model; it cannot be combined with --figure-20-2.");
            if (o.Load is not null) throw new UsageException("--load: a search trains every trial from scratch; it cannot start from a checkpoint.");
            if (o.RandomLabels) throw new UsageException("--random-labels: a search on random labels has nothing to find.");
            if (o.Epochs is not null) throw new UsageException("--epochs: a search gives every trial the same number of steps; use --steps.");
            if (validationGiven && o.Validation == 0) throw new UsageException("--validation: a search needs a validation split (the test split is never its objective); give N > 0.");
            if (!validationGiven) o.Validation = HyperparameterSearch.DefaultValidation;
            o.Steps ??= HyperparameterSearch.DefaultTrialSteps;
            if (!o.PlotGiven) o.Plot = Path.Combine("out", "search.svg");
            if (o._bayesOptionGiven && o.Search is not ("bayes" or "all"))
                throw new UsageException($"--initial and --xi set up Bayesian optimization; --search {o.Search} does not use them.");
            if (!o._spaceGiven && o.Model is "cnn" or "logistic") o.Space = HyperparameterSearch.DefaultSpaceWithoutHidden;
            HyperparameterSearch.ParseSpace(o.Space, o.Model); // bad specs fail here, before any work
        }
        if (o.Epochs is null && o.Steps is null && !o.Figure202) o.Steps = 6000;
        if (o.Model == "gru")
        {
            if (o.Figure202) throw new UsageException("--figure-20-2 trains MLPs; it cannot be combined with --model gru.");
            if (!o.HiddenGiven) o.Hidden = new[] { Grus.DefaultHidden };
            else if (o.Hidden.Length != 1) throw new UsageException($"--hidden: --model gru takes one hidden size, got {o.Hidden.Length} widths.");
        }
        if (o.Model == "cnn")
        {
            if (o.Figure202) throw new UsageException("--figure-20-2 trains MLPs; it cannot be combined with --model cnn.");
            if (o.HiddenGiven) throw new UsageException("--hidden: --model cnn has the paper's fixed layers (three Conv1d of 25 channels, Linear(125, 10)).");
            o.Hidden = Array.Empty<int>();
        }
        if (o.Model == "logistic")
        {
            if (o.Figure202) throw new UsageException("--figure-20-2 trains MLPs; it cannot be combined with --model logistic.");
            if (o.HiddenGiven) throw new UsageException("--hidden: --model logistic has no hidden layer (it is one Linear(40, 10)).");
            o.Hidden = Array.Empty<int>();
        }
        CheckModelSize(o, InputValues);
        return o;
    }

    /// <summary>The values of an MNIST-1D example (what <see cref="Parse"/> checks sizes with before the data is read).</summary>
    public const int InputValues = 40;

    /// <summary>
    /// The most parameters the example trains (100,000,000: 400 MB of float32 weights, about 1.6 GB with the gradient
    /// and Adam's two moments), so that a mistyped width is one error line instead of gigabytes allocated.
    /// </summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>
    /// Refuses, before anything is allocated, hidden widths whose MLP or GRU for inputs of <paramref name="inputs"/> values
    /// has a weight too large for one tensor (naming the layer, its shape and its size) or more than
    /// <see cref="MaxParameters"/> parameters in all, counted exactly (no overflow whatever the widths).
    /// </summary>
    public static void CheckModelSize(Options o, int inputs)
    {
        if (o.Model is not ("mlp" or "gru") || o.Hidden.Length == 0) return;
        // decimal: exact to 28 digits, so no count here can overflow (the largest is 3·(2³¹)² ≈ 1.4e19).
        var weights = new List<(string Layer, decimal Rows, decimal Cols)>();
        decimal total = 0, classes = Program.Classes;
        if (o.Model == "gru")
        {
            decimal h = o.Hidden[0], rows = 3 * h; // per direction: weight_ih [3h,1], weight_hh [3h,h], two biases [3h]
            weights.Add(("GRU's weight_hh", rows, h));
            weights.Add(("output layer's weight", classes, inputs * 2 * h));
            total = 2 * (rows + rows * h + 2 * rows) + classes * inputs * 2 * h + classes;
        }
        else
        {
            decimal prev = inputs;
            var widths = o.Hidden.Select(w => (decimal)w).Append(classes).ToArray();
            for (int i = 0; i < widths.Length; i++)
            {
                weights.Add(($"{(i < widths.Length - 1 ? "hidden layer " + (i + 1) : "output layer")} ({prev}→{widths[i]})'s weight", widths[i], prev));
                total += widths[i] * prev + widths[i];
                prev = widths[i];
            }
        }
        foreach (var (layer, rows, cols) in weights)
            if (rows * cols > Nabla.Ir.Shape.MaxElements)
                throw new UsageException($"--hidden: the {layer} of shape [{rows}, {cols}] has {N(rows * cols)} elements; a tensor holds at most {N(Nabla.Ir.Shape.MaxElements)}.");
        if (total > MaxParameters)
            throw new UsageException($"--hidden {string.Join(",", o.Hidden)}: the {(o.Model == "gru" ? "GRU" : "MLP")} has {N(total)} parameters; this example trains at most {N(MaxParameters)}.");
    }

    private static string N(decimal v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static void Once(ref bool set, bool conflicting)
    {
        if (set && conflicting) throw new UsageException("give either --normalize or --no-normalize, not both.");
        set = true;
    }

    private static int[] ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (text.Trim().Length == 0) throw new UsageException("--hidden: give at least one width, e.g. --hidden 100,100.");
        var r = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out r[i]) || r[i] <= 0)
                throw new UsageException($"--hidden: '{parts[i]}' (layer {i + 1}) is not a positive width; write e.g. --hidden 100,100.");
        }
        return r;
    }

    private static string NonEmpty(string name, string v) =>
        string.IsNullOrWhiteSpace(v) ? throw new UsageException($"{name}: the path is empty.") : v;

    private static double ParseDouble(string name, string v)
    {
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
            throw new UsageException($"{name}: '{v}' is not a finite number.");
        return d;
    }

    private static int ParseInt(string name, string v) =>
        int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n
        : throw new UsageException($"{name}: '{v}' is not an integer.");

    private static long ParseLong(string name, string v) =>
        long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n
        : throw new UsageException($"{name}: '{v}' is not an integer.");

    private static string Show(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
