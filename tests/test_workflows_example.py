from aaib_cp.testing import workflow_test

TestRapidReview = workflow_test("rapid-review")
