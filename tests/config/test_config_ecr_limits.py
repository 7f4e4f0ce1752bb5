"""What ECR accepts: numbers within its bounds (the corpus in hostile/ has the cases), and a
warning for an ``ecr:`` action that names no ECR operation (botocore's service model), which is
loaded only when a policy names an action of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from regform.config import check_config

ECR = "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n"
STATEMENT = (
    "      - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::111122223333:root'}, Action: [%s]}\n"
)


def _policy(tmp_path: Path, actions: str) -> Path:
    path = tmp_path / "regform.yaml"
    used = "repositories:\n  - name: app\n    policy: p\n"
    path.write_text(
        ECR + used + "repository_policies:\n  p:\n    statements:\n" + STATEMENT % actions
    )
    return path


def test_an_action_no_ecr_operation_has_is_a_warning(tmp_path: Path) -> None:
    outcome = check_config([_policy(tmp_path, "ecr:PullImage, 'ecr:Nope*', ecr:ReplicateImage")])
    assert outcome.issues == []
    # at the statement that holds the action: its line, and its index in the path
    assert [str(w).split(":", 1)[1] for w in outcome.warnings] == [
        "10:9: repository_policies.p.statements[0]: 'ecr:PullImage' is not an ECR action "
        "(no operation matches) (did you mean 'PutImage'?)",
        "10:9: repository_policies.p.statements[0]: 'ecr:Nope*' is not an ECR action "
        "(no operation matches)",
    ]


def test_the_warning_names_the_statement_of_a_document_and_its_sid(tmp_path: Path) -> None:
    path = tmp_path / "regform.yaml"
    path.write_text(
        "version: 1\nregistries:\n  prod:\n    provider: ecr\n    region: us-east-1\n"
        "    settings:\n      registry_policy:\n        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - {Effect: Allow, Principal: '*', Action: ecr:ReplicateImage}\n"
        "          - Sid: replicate-in\n            Effect: Allow\n            Principal: '*'\n"
        "            Action: [ecr:ReplicateImage, ecr:ReplicateImages]\n"
        "repositories:\n  - {name: app, policy: p}\n"
        "repository_policies:\n  p:\n    document:\n      Version: '2012-10-17'\n"
        "      Statement: {Sid: pull, Effect: Allow, Principal: '*', Action: 'ecr:Pul*'}\n"
    )
    outcome = check_config([path])
    assert outcome.issues == []
    found = [str(w).split(":", 1)[1] for w in outcome.warnings if "ECR action" in str(w)]
    assert found == [
        "21:18: repository_policies.p.document.Statement: 'ecr:Pul*' is not an ECR action "
        "(no operation matches) (statement Sid 'pull')",
        "11:13: registries.prod.settings.registry_policy.Statement[1]: 'ecr:ReplicateImages' is "
        "not an ECR action (no operation matches) (did you mean 'ReplicateImage'?) "
        "(statement Sid 'replicate-in')",
    ]


def test_real_actions_patterns_and_other_services_pass(tmp_path: Path) -> None:
    actions = (
        "ecr:batchgetimage, 'ecr:Describe*', 'ecr:*', s3:GetObject, ecr:BatchImportUpstreamImage"
    )
    assert check_config([_policy(tmp_path, actions)]).warnings == []


def test_validate_of_shorthand_policies_does_not_load_botocore() -> None:
    quickstart = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
    code = (
        "import sys\nfrom regform.config import check_config\n"
        f"assert check_config([{str(quickstart)!r}]).config is not None\n"
        "print('botocore' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout == "False\n", done.stderr
