from aaib_cp.testing import workflow_test

TestRapidReview = workflow_test("workflows/rapid-review.yaml")
