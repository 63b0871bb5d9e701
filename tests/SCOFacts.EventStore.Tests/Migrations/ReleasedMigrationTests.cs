using SCOFacts.EventStore.Migrations;
using SCOFacts.Testing;

namespace SCOFacts.EventStore.Tests.Migrations;

/// <summary>
/// A migration that has shipped is applied on databases this repository cannot see, and the
/// runner refuses to start on one whose file has changed since: change the schema in a new file.
/// </summary>
public sealed class ReleasedMigrationTests
{
    // Add a file here once a release has carried it; never change a line.
    private static readonly Dictionary<string, string> Released = new(StringComparer.Ordinal)
    {
        ["0001_event_store.sql"] = "fb3233a80cbe93aa69c6d625a29bf752eb1808e7956bfc0b927d3f390a262a4f",
        ["0002_api_platform.sql"] = "a0e02ee00c0a8bc3d9fc9abbea39079c823fd9fbfd221c73408efef7b4982b70",
        ["0003_read_models.sql"] = "fd93ec03ea83f1876fd9e320dc0fcbd9b40a14017e7d4c67ef401124613eb7bb",
        ["0004_trust.sql"] = "d708223bc61b66290206ef00e2238d660857aa346874418052b86e28c77bfeb3",
        ["0005_cheaper_appends.sql"] = "acedea0ec3415796cc0b6e04f3d175ead992f59340038f6ba4f6f54974eae00c",
        ["0006_single_event_append.sql"] = "92eebdb31ff271f683cff4b5b65ba88f2c535c45492b273c79736886f123ae98",
        ["0007_source_documents.sql"] = "8519a919a430a3adb7c12159d5d4022c91203258fd8a72236c3c1be66522ff14",
        ["0008_desk_search.sql"] = "aa42631c84ba8832310c9f9789ea59484a9107c3cde804438ed4790372b30e8d",
        ["0009_reconciled_answers.sql"] = "101a28a715d60db7c0ded6c3ca6f0c121ba66e24aaf005df8f574e905d1f995d",
        ["0010_idempotency_owner.sql"] = "5c3674ffe0b8012e465bacc4fde47d6d612c2382e0e38df1d8517f3af53b6649",
        ["0011_ledger.sql"] = "fecf0708ea361d2b1378ee24fce3e786c6e78d8790fa58a827a499c514b11435",
        ["0012_marten_event_store.sql"] = "c78747800638ddd2300d6b369868b1e5db39956e7874817cbb1ca48126813111",
        ["0013_event_log_guard.sql"] = "05d910a978dad6a48d52164a2e6a182fdc6272b3c74c4b64d9a9290222bf76cf",
        ["0014_trust_weight_moves.sql"] = "9660c20156868d2569f5b45cf3838e4fcb544bd351215d8aa8a4700aa1cbe377",
        ["0015_stored_answers.sql"] = "98ed69ec889ff23e65fa8e873355449a587e6897b08dab6d10769f2efa865fcc",
        ["0016_answer_claims.sql"] = "3ed5cfbd8ced85ead5cb77abd662fc96968a9507299259ea98f35a575e786172",
        ["0017_wolverine_messaging.sql"] = "4399de10632dbfb6449acbfff41cd8ef1c10bfb11fa6337aa6ef0bf0ab997784",
        ["0018_webhook_subscriptions.sql"] = "fb73cdf2f2e61b199b870d670706755fc1de0ddb443eb1d96b3aa2b000284bda",
        ["0019_jobs.sql"] = "23a285b4b612e53517c750675bb46067154abb51bfa9f5fe0e974f6b69c5de4f",
        ["0020_desk_quote_search_on_marten.sql"] = "d0b424674ec0a5098e9f16a6b35b163b41db3ea3654ccc24beb10b86d67586a3",
        ["0021_wolverine_on_marten.sql"] = "e6a320dda747811b3564af82b57fc47be13bea15b543f1324ec9e0bf9c6cc2c8",
    };

    [Fact]
    public void Released_migrations_are_never_edited()
    {
        var scripts = MigrationScript.ReadDirectory(TestDatabase.MigrationsDirectory).ToDictionary(s => s.FileName, s => s.Checksum, StringComparer.Ordinal);

        Assert.All(Released, released =>
        {
            Assert.True(scripts.TryGetValue(released.Key, out var checksum), $"{released.Key} has shipped and must stay in migrations/");
            Assert.True(checksum == released.Value, $"{released.Key} has shipped: its checksum must stay {released.Value}, not {checksum}");
        });
    }
}
