namespace SCOFacts.Api.Ledger;

/// <summary>The ledger endpoints' OpenAPI examples: a log of 7 leaves named scofacts.local/ledger.</summary>
internal static class LedgerExamples
{
    public const string VerifierKey = "scofacts.local/ledger+3e1b7c0a+AYtT8m0cQy4ZJ5o1l2r6sKx0hO9bWf3pVnq7dA8eUcG4";

    public const string CheckpointNote =
        "scofacts.local/ledger\n7\nm2Kx1w6Zp3nQe9Yt0bFvR8sLcJ4uHd7aGi5oTk2MzXE=\n\n" +
        "\u2014 scofacts.local/ledger PhtsCrq0c9ZkWJ2vGm1xN8pEo3yLb6TqRs4aCfUiHd0jKw7eVn5gXzYl1B9tMrQ8sDo2PcF6uEa3hIk4JvN7bSW0mA==\n";

    public static CheckpointResponse Checkpoint { get; } = new(
        "scofacts.local/ledger", 7, "m2Kx1w6Zp3nQe9Yt0bFvR8sLcJ4uHd7aGi5oTk2MzXE=", "scofacts.local/ledger", "3e1b7c0a",
        "q7Rz0WJ2vGm1xN8pEo3yLb6TqRs4aCfUiHd0jKw7eVn5gXzYl1B9tMrQ8sDo2PcF6uEa3hIk4JvN7bSW0mBCDA==", CheckpointNote);

    public static LeafResponse Leaf { get; } = new(3, 4, Guid.Parse("0193a4f2-7c1e-7d3b-9a51-2c6f0e4b7d10"), "Hq9vX2sLmR4tY7uB1cN0pK8wE5jZ3gFdA6oIiQrUbTM=");

    public static InclusionProofResponse Inclusion { get; } = new(3, 7,
        ["lV7tq2xR0sNfK9mB4yH1cJ8wE6uZ3gPd5oAiQrUbTa0=", "0kXw3Yp9sLm2Rt7uB1cN4vK8qE5jZ6gFdA0oIiQrHbM=", "c8Fz1Qy4RnT6uK0pW2sXm9B3vL7jH5eGdA1oIiNrUbE="],
        4, "Hq9vX2sLmR4tY7uB1cN0pK8wE5jZ3gFdA6oIiQrUbTM=");

    public static ConsistencyProofResponse Consistency { get; } = new(4, 7,
        ["Yp3sLm9Rt2uB7cN1vK4qE8jZ5gFd6A0oIiQrHbMkXw0=", "b2Gz1Qy4RnT6uK0pW8sXm9B3vL7jH5eFdA1oIiNrUcE="]);
}
