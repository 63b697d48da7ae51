"""TaskFlow: Python callables passing values to each other through XComs (Airflow 2 and 3 style)."""
import pendulum
from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
     is_paused_upon_creation=False, tags=["example", "repo:examples"])
def example_taskflow():
    @task
    def extract():
        return {"orders": [12, 30, 7], "currency": "EUR"}

    @task
    def total(data):
        return sum(data["orders"])

    @task
    def report(amount, ds=None):
        print(f"{ds}: total {amount}")
        return f"total={amount}"

    report(total(extract()))


example_taskflow()
