using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Nabla;
using Nabla.Data;
using Nabla.Training;
using Nabla.Examples;
using Nabla.Reporting;

namespace Mdn;

/// <summary>
/// A mixture density network (Bishop 1994) on the inverse kinematics of a two-link robot arm (<see cref="RobotArm"/>):
/// from the measured hand position (x₁, x₂) predict the joint angles (θ₁, θ₂), a two-valued map (elbow up or down).
/// Two networks with the same hidden layers (2 → hidden → hidden, tanh) are trained with Adam on the same data: a
/// mixture density network with K Gaussian components over the 2-D angles (<see cref="MixtureDensityLoss"/>) and a
/// least-squares network (MSE). Training is watched on a separately generated validation sample (its own random
/// stream); the test sample is used once, at the end. On the test data both are scored by the negative log-likelihood
/// per example — the least-squares network as a Gaussian around its prediction with, per angle, the variance of its
/// training residuals — and by how far the hand lands from the asked position when the arm takes the predicted
/// angles (for the mixture, the mean of its most probable component). An SVG shows the angles along a ray of hand
/// positions: the data, the mixture's component means sized by their weights, and the least-squares prediction. Bad
/// input is one line on stderr and exit code 2, before any training.
/// </summary>
public static class Program
{
    /// <summary>
    /// The middle of the joint ranges, (0.75, π): the networks predict the angles minus this. A shift changes neither a
    /// density's log-likelihood nor the least-squares fit; it only spares the output biases the walk from 0 to π.
    /// </summary>
    public static readonly double[] AngleCentre = { (RobotArm.Theta1Min + RobotArm.Theta1Max) / 2, Math.PI };

    /// <summary>The polar angle of the ray of hand positions the figure follows (the middle of the workspace).</summary>
    public const double SliceAngle = 0.75;

    /// <summary>The process entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the example with <paramref name="args"/>, writing to <paramref name="stdout"/> and <paramref name="stderr"/>; returns the exit code (0, or 2 for bad input).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return ExampleHost.Run(stderr, () =>
        {
            var o = Options.Parse(args);
            if (o.Help) { stdout.WriteLine(Options.Usage); return 0; }
            return Train(o, stdout);
        });
    }

    /// <summary>The name of the linear output layer in <see cref="Build"/> (its biases are <c>output.bias</c>).</summary>
    public const string OutputLayer = "output";

    /// <summary>
    /// The shared body 2 → hidden → hidden (tanh after each) and a linear output layer of <paramref name="outputs"/>
    /// values, named <see cref="OutputLayer"/>.
    /// </summary>
    public static Sequential Build(int hidden, int outputs) => new(
        ("hidden1", new Dense(2, hidden)), ("tanh1", new Tanh()), ("hidden2", new Dense(hidden, hidden)), ("tanh2", new Tanh()),
        (OutputLayer, new Dense(hidden, outputs)));

    /// <summary>The angles of <paramref name="angles"/> ([n, 2]) minus <see cref="AngleCentre"/>: the networks' targets.</summary>
    public static float[] Centre(float[] angles) => angles.Select((v, i) => (float)(v - AngleCentre[i % 2])).ToArray();

    private static int Train(Options o, TextWriter stdout)
    {
        // 1. Everything that can be wrong, before any work.
        if (o.Batch > o.Train) throw new UsageException($"--batch: {o.Batch} is more than the {o.Train} training examples (--train).");
        if (o.MdnInit == "kmeans" && o.Components > o.Train)
            throw new UsageException($"--components: the k-means start (--mdn-init kmeans) needs at least {o.Components} training examples (--train), got {o.Train}.");
        ExampleHost.CheckOutputFile("--svg", o.Svg);
        var backend = Jit.ParseBackend(o.Backend);

        var (trainX, trainAngles) = RobotArm.Sample(o.Train, o.Seed, o.Noise);
        var (valX, valAngles) = RobotArm.Sample(o.Validation, o.Seed, o.Noise, RobotArm.ValidationStream);
        var (testX, testAngles) = RobotArm.Sample(o.Test, o.Seed + 1_000_003, o.Noise);
        float[] trainT = Centre(trainAngles), valT = Centre(valAngles), testT = Centre(testAngles);
        var mdnLoss = new MixtureDensityLoss(o.Components, 2);
        stdout.WriteLine($"robot arm inverse kinematics: L1 {F(RobotArm.L1, "0.0")}, L2 {F(RobotArm.L2, "0.0")}, θ1 ∈ ({F(RobotArm.Theta1Min, "0.0")}, {F(RobotArm.Theta1Max, "0.0")}), " +
                         $"θ2 ∈ (π/2, 3π/2), hand noise sd {F(o.Noise, "0.####")}; {o.Train} training, {o.Validation} validation and {o.Test} test examples");
        stdout.WriteLine($"both networks: 2 → {o.Hidden} → {o.Hidden} (tanh) → outputs, Adam lr {F(o.LearningRate, "G")} with cosine decay to 0, batch {o.Batch}, {o.Epochs} epochs; " +
                         $"mixture: K = {o.Components} components over (θ1, θ2), {mdnLoss.Width} outputs, output biases from {(o.MdnInit == "kmeans" ? "k-means of the targets" : "the default initialization")}; least squares: 2 outputs, MSE");

        // 2. Train both networks on the same batches (the same shuffling seed), watching the validation sample.
        Action<Network>? start = o.MdnInit == "kmeans" ? n => MixtureInit.Apply(n, OutputLayer + ".bias", mdnLoss, trainT, o.Seed) : null;
        var (mdn, mdnSeconds) = Fit("mixture density network", Build(o.Hidden, mdnLoss.Width), mdnLoss, start, o, backend, trainX, trainT, valX, valT, stdout);
        var (lsq, lsqSeconds) = Fit("least-squares network", Build(o.Hidden, 2), Loss.Mse(), null, o, backend, trainX, trainT, valX, valT, stdout);
        double seconds = mdnSeconds + lsqSeconds;

        // 3. Negative log-likelihoods per example: on the validation sample (what a choice of options may look at),
        // then, once, on the test sample.
        var variance = ResidualVariance(lsq.Predict(trainX, o.Train), trainT);
        stdout.WriteLine($"least-squares residual sd on the training set: θ1 {F(Math.Sqrt(variance[0]), "0.000")}, θ2 {F(Math.Sqrt(variance[1]), "0.000")} rad");
        double mdnValNll = MixtureNll(mdnLoss, mdn.Predict(valX, o.Validation), valT);
        double lsqValNll = GaussianNll(lsq.Predict(valX, o.Validation), valT, variance);
        stdout.WriteLine($"validation negative log-likelihood per example: mixture {F(mdnValNll)}, least squares {F(lsqValNll)}");
        double mdnNll = MixtureNll(mdnLoss, mdn.Predict(testX, o.Test), testT);
        double lsqNll = GaussianNll(lsq.Predict(testX, o.Test), testT, variance);

        // 4. Where the hand lands with the predicted angles (the mixture's most probable component's mean).
        var mdnAngles = MostProbableAngles(mdnLoss, mdn.Predict(testX, o.Test), o.Test);
        var lsqAngles = Uncentre(lsq.Predict(testX, o.Test));
        double mdnReach = HandError(mdnAngles, testX), lsqReach = HandError(lsqAngles, testX);
        double floor = HandError(testAngles.Select(v => (double)v).ToArray(), testX);
        stdout.WriteLine($"mean hand position error with the predicted angles: mixture (most probable component) {F(mdnReach)}, " +
                         $"least squares {F(lsqReach)}, true angles (the measurement noise) {F(floor)}");

        WriteFigure(o.Svg, mdnLoss, mdn, lsq, o.Seed, o.Noise);
        stdout.WriteLine($"figure written to {o.Svg}");
        stdout.WriteLine($"train_time_s={F(seconds, "0.00")} steps={mdn.Step.ToString(CultureInfo.InvariantCulture)} " +
                         $"mdn_hand_error={F(mdnReach)} lsq_hand_error={F(lsqReach)} noise_hand_error={F(floor)} " +
                         $"mdn_validation_nll={F(mdnValNll)} lsq_validation_nll={F(lsqValNll)}");
        ExampleHost.Result(stdout, "mdn_test_nll", mdnNll);
        ExampleHost.Result(stdout, "lsq_test_nll", lsqNll);
        return 0;
    }

    /// <summary>
    /// Compiles <paramref name="body"/> with <paramref name="loss"/>, lets <paramref name="start"/> change the initial
    /// parameters, and trains it with <c>Trainer.Fit</c> for the options' epochs in shuffled mini-batches, Adam with a
    /// cosine decay of the learning rate to 0 (<see cref="LearningRate.Cosine"/>), on the real-valued angle targets
    /// (<see cref="Dataset.WithTargets"/>), watching the validation sample; it prints the training and validation loss
    /// ten times. Returns the network and the seconds spent training (without the compilation).
    /// </summary>
    private static (Network Network, double Seconds) Fit(string name, Sequential body, Loss loss, Action<Network>? start, Options o, Backend backend,
        float[] trainX, float[] trainT, float[] valX, float[] valT, TextWriter stdout)
    {
        var model = Model.Build(body, 2, o.Seed);
        var clock = Stopwatch.StartNew();
        var network = model.Compile(new TrainingSetup(loss, Optimizer.Adam(o.LearningRate)) { ModelName = loss is MixtureDensityLoss ? "RobotArmMdn" : "RobotArmLeastSquares" }, backend);
        stdout.WriteLine($"{name}: {model.ParameterCount} parameters, compiled with {o.Backend} in {F(clock.Elapsed.TotalMilliseconds, "0")} ms");
        start?.Invoke(network);
        var train = new Dataset(trainX, new[] { 2 }).WithTargets(trainT, 2);
        var validation = new Dataset(valX, new[] { 2 }).WithTargets(valT, 2);
        stdout.WriteLine($"  initial validation loss {F(network.Evaluate(validation).Loss)}");
        int batch = Math.Min(o.Batch, train.Count);
        long steps = (long)o.Epochs * ((train.Count + batch - 1) / batch);
        // Cosine decay from lr to 0 over the run: the mixture's log-likelihood keeps jittering at a constant rate.
        var options = new TrainingOptions
        {
            Epochs = o.Epochs, BatchSize = o.Batch, Seed = o.Seed, Shuffle = true,
            LearningRate = LearningRate.Cosine(o.LearningRate, steps), EvaluationBatchSize = validation.Count,
        };
        options.Callbacks.Add(new TenProgressLines(o.Epochs, stdout));
        clock.Restart();
        var history = network.Fit(train, options, validation);
        if (history.StoppedEarly is { } why) throw new UsageException($"{name}: {why}; lower --lr.");
        return (network, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Prints the training and validation loss after every tenth of the epochs (and the last).</summary>
    private sealed class TenProgressLines : ITrainingCallback
    {
        private readonly int _epochs, _every;
        private readonly TextWriter _out;

        public TenProgressLines(int epochs, TextWriter stdout) { _epochs = epochs; _every = Math.Max(1, epochs / 10); _out = stdout; }

        public void OnEpoch(Network network, EpochRecord epoch, TrainingControl control)
        {
            if (epoch.Epoch % _every == 0 || epoch.Epoch == _epochs)
                _out.WriteLine($"  epoch {epoch.Epoch,5}: train loss {F(epoch.TrainLoss)}, validation loss {F(epoch.ValidationLoss ?? double.NaN)}");
        }
    }

    /// <summary>The mean over examples of −log p(t | x) under the mixtures that <paramref name="outputs"/> describe (float64).</summary>
    public static double MixtureNll(MixtureDensityLoss loss, float[] outputs, float[] targets)
    {
        int n = targets.Length / loss.D;
        double sum = 0;
        var t = new double[loss.D];
        for (int i = 0; i < n; i++)
        {
            for (int d = 0; d < loss.D; d++) t[d] = targets[i * loss.D + d];
            sum -= loss.Mixture(outputs, i).LogDensity(t);
        }
        return sum / n;
    }

    /// <summary>Per output dimension, the mean squared residual (the maximum-likelihood variance of a Gaussian around the predictions).</summary>
    public static double[] ResidualVariance(float[] predictions, float[] targets)
    {
        var v = new double[2];
        for (int i = 0; i < targets.Length; i++) { double r = predictions[i] - targets[i]; v[i % 2] += r * r; }
        return v.Select(s => s / (targets.Length / 2)).ToArray();
    }

    /// <summary>The mean over examples of −log N(t; prediction, diag(<paramref name="variance"/>)).</summary>
    public static double GaussianNll(float[] predictions, float[] targets, double[] variance)
    {
        double sum = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            double r = predictions[i] - targets[i], v = variance[i % 2];
            sum += 0.5 * Math.Log(2 * Math.PI * v) + r * r / (2 * v);
        }
        return sum / (targets.Length / 2);
    }

    /// <summary>The angles ([n, 2], not centred) at the mean of each example's most probable component.</summary>
    public static double[] MostProbableAngles(MixtureDensityLoss loss, float[] outputs, int count)
    {
        var a = new double[2 * count];
        for (int i = 0; i < count; i++)
        {
            var m = loss.Mixture(outputs, i);
            int k = m.MostProbable;
            a[2 * i] = m.Mean(k, 0) + AngleCentre[0];
            a[2 * i + 1] = m.Mean(k, 1) + AngleCentre[1];
        }
        return a;
    }

    private static double[] Uncentre(float[] centred) => centred.Select((v, i) => v + AngleCentre[i % 2]).ToArray();

    /// <summary>The mean distance between the hand at <paramref name="angles"/> ([n, 2]) and the positions <paramref name="positions"/> ([n, 2]).</summary>
    public static double HandError(double[] angles, float[] positions)
    {
        int n = positions.Length / 2;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            var (x1, x2) = RobotArm.Forward(angles[2 * i], angles[2 * i + 1]);
            sum += Math.Sqrt(Math.Pow(x1 - positions[2 * i], 2) + Math.Pow(x2 - positions[2 * i + 1], 2));
        }
        return sum / n;
    }

    /// <summary>
    /// Two panels, θ₁ and θ₂ against the distance r of the hand from the shoulder along the ray at polar angle
    /// <see cref="SliceAngle"/> (the inputs are 2-D, so the conditional modes are shown on a 1-D slice of them; along a
    /// ray from the shoulder θ₂ depends on r alone and the two branches are mirror images about π): the angles of
    /// fresh examples whose measured hand lies within 0.02 rad of the ray ("data"), each mixture component's mean at 41
    /// points along the ray drawn with area proportional to its weight ("MDN component k"), and the least-squares
    /// prediction ("least squares").
    /// </summary>
    public static void WriteFigure(string path, MixtureDensityLoss loss, Network mdn, Network lsq, long seed, double noise)
    {
        const int points = 41;
        double r0 = Math.Sqrt(RobotArm.L1 * RobotArm.L1 + RobotArm.L2 * RobotArm.L2), r1 = RobotArm.L1 + RobotArm.L2;
        var r = Enumerable.Range(0, points).Select(i => r0 + (r1 - r0) * (i + 0.5) / points).ToArray();
        var x = new float[2 * points];
        for (int i = 0; i < points; i++) { x[2 * i] = (float)(r[i] * Math.Cos(SliceAngle)); x[2 * i + 1] = (float)(r[i] * Math.Sin(SliceAngle)); }
        var outputs = mdn.Predict(x, points);
        var mixtures = Enumerable.Range(0, points).Select(i => loss.Mixture(outputs, i)).ToArray();
        var line = Uncentre(lsq.Predict(x, points));

        var (sx, st) = RobotArm.Sample(20_000, seed + 2_000_003, noise);
        var dataR = new List<double>();
        var dataT = new[] { new List<double>(), new List<double>() };
        for (int i = 0; i < sx.Length / 2; i++)
            if (Math.Abs(Math.Atan2(sx[2 * i + 1], sx[2 * i]) - SliceAngle) < 0.02)
            {
                dataR.Add(Math.Sqrt(sx[2 * i] * sx[2 * i] + sx[2 * i + 1] * sx[2 * i + 1]));
                dataT[0].Add(st[2 * i]); dataT[1].Add(st[2 * i + 1]);
            }

        var panels = new SvgPlot[2];
        for (int d = 0; d < 2; d++)
        {
            var p = new SvgPlot($"θ{d + 1} along the ray at polar angle {F(SliceAngle, "0.00")}", "distance of the hand from the shoulder r", $"θ{d + 1} (rad)") { Width = 520, Height = 360 };
            p.AddPoints("data", dataR, dataT[d], dataR.Select(_ => 1.5).ToArray(), "#9a9a9a");
            for (int k = 0; k < loss.K; k++)
                p.AddPoints($"MDN component {k + 1}", r, mixtures.Select(m => m.Mean(k, d) + AngleCentre[d]).ToArray(),
                    mixtures.Select(m => 6 * Math.Sqrt(m.Weight(k))).ToArray());
            p.Add("least squares", r, Enumerable.Range(0, points).Select(i => line[2 * i + d]).ToArray(), "black");
            panels[d] = p;
        }
        SvgPlot.SaveGrid(path, $"Robot arm inverse kinematics: a {loss.K}-component mixture density network against least squares", panels, columns: 2);
    }

    private static string F(double v, string format = "0.0000") => ExampleHost.F(v, format);
}
