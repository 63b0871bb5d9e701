using System.Diagnostics;
using System.Text;

namespace SCOFacts.EventStore.Hosting;

/// <summary>Runs a program to completion, optionally as another OS user, and captures what it printed.</summary>
internal static class ProcessRunner
{
    internal sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    /// <summary>True when this process runs as root, where PostgreSQL refuses to run and a service user must be used.</summary>
    public static bool IsRoot { get; } = !OperatingSystem.IsWindows() && Environment.UserName == "root";

    /// <param name="program">Full path of the program.</param>
    /// <param name="arguments">Its arguments, passed without a shell.</param>
    /// <param name="runAs">The OS user to run it as (through <c>runuser</c>, so this process must be root), or null for this user.</param>
    /// <param name="workingDirectory">Must be readable by <paramref name="runAs"/>: PostgreSQL programs look up their current folder.</param>
    /// <param name="cancellationToken">Kills the program when cancelled.</param>
    public static async Task<Result> RunAsync(
        string program, IEnumerable<string> arguments, string? runAs, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (runAs is null)
        {
            start.FileName = program;
        }
        else
        {
            start.FileName = "runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(runAs);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PostgresClusterException($"Could not run '{start.FileName}': {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        // The parameterless wait drains the redirected streams, so the output is complete.
        process.WaitForExit();
        lock (output)
            return new Result(process.ExitCode, output.ToString().TrimEnd());
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }
}
