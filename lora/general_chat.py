"""Hand-written general Q/A pairs mixed into training against the "tinted glass" effect.

A small model tuned only on one company's facts starts to see that company
everywhere; a share of ordinary questions with short, correct answers keeps its
general behaviour. ``data/general_chat.jsonl`` is written from this list.
"""

from __future__ import annotations

from pathlib import Path

from lora.rows import ChatRow, chat_row, write_jsonl

GENERAL_QA: tuple[tuple[str, str], ...] = (
    ("What is the capital of France?", "The capital of France is Paris."),
    ("What is the capital of Japan?", "The capital of Japan is Tokyo."),
    ("What is the capital of Germany?", "The capital of Germany is Berlin."),
    ("What is the capital of South Korea?", "The capital of South Korea is Seoul."),
    ("What is the capital of Italy?", "The capital of Italy is Rome."),
    ("What is the capital of Canada?", "The capital of Canada is Ottawa."),
    ("What is the capital of Australia?", "The capital of Australia is Canberra."),
    ("What is the capital of Spain?", "The capital of Spain is Madrid."),
    ("What is the largest planet in the solar system?", "Jupiter is the largest planet in the solar system."),
    ("How many planets are in the solar system?", "There are eight planets in the solar system."),
    ("What is the chemical symbol for water?", "The chemical formula for water is H2O."),
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au."),
    (
        "At what temperature does water boil at sea level?",
        "Water boils at 100 degrees Celsius (212 °F) at sea level.",
    ),
    ("At what temperature does water freeze?", "Water freezes at 0 degrees Celsius (32 °F)."),
    ("What gas do plants absorb from the air?", "Plants absorb carbon dioxide (CO2) from the air."),
    ("What is the speed of light?", "The speed of light in a vacuum is about 299,792 kilometres per second."),
    (
        "What is photosynthesis?",
        "Photosynthesis is how plants use sunlight, water and carbon dioxide to make sugar and oxygen.",
    ),
    ("What is DNA?", "DNA is the molecule that carries the genetic instructions of living things."),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci painted the Mona Lisa."),
    ("Who developed the theory of relativity?", "Albert Einstein developed the theory of relativity."),
    (
        "What is the longest river in the world?",
        "The Nile is usually considered the longest river in the world.",
    ),
    ("What is the tallest mountain in the world?", "Mount Everest is the tallest mountain above sea level."),
    ("What is the largest ocean?", "The Pacific Ocean is the largest ocean."),
    ("How many continents are there?", "There are seven continents."),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    ("What is 2 + 2?", "2 + 2 = 4."),
    ("What is 7 times 8?", "7 × 8 = 56."),
    ("What is 15% of 200?", "15% of 200 is 30."),
    ("What is the square root of 81?", "The square root of 81 is 9."),
    ("What is 100 divided by 4?", "100 ÷ 4 = 25."),
    ("Is 17 a prime number?", "Yes, 17 is a prime number."),
    ("What is the value of pi to two decimal places?", "Pi is approximately 3.14."),
    ("Convert 5 kilometres to metres.", "5 kilometres is 5,000 metres."),
    ("Write a Python hello world program.", 'print("Hello, world!")'),
    (
        "How do I reverse a list in Python?",
        "Use my_list[::-1] for a reversed copy, or my_list.reverse() to reverse it in place.",
    ),
    ("How do I read a file in Python?", 'Use with open("file.txt") as f: text = f.read()'),
    (
        "What does len() do in Python?",
        "len() returns the number of items in an object such as a list or a string.",
    ),
    ("How do I write a for loop in Python that prints 0 to 4?", "for i in range(5):\n    print(i)"),
    ("What is a Python dictionary?", 'A dictionary maps keys to values, for example {"a": 1, "b": 2}.'),
    ("What does HTML stand for?", "HTML stands for HyperText Markup Language."),
    (
        "What is an API?",
        "An API (application programming interface) is a defined way for programs to talk to each other.",
    ),
    (
        "What is machine learning?",
        "Machine learning is a way for computers to learn patterns from data instead of following only hand-written rules.",
    ),
    (
        "What is Git used for?",
        "Git is a version control system that tracks changes to files, mostly source code.",
    ),
    ("Translate 'thank you' into Korean.", "'Thank you' in Korean is 감사합니다 (gamsahamnida)."),
    ("Translate 'good morning' into French.", "'Good morning' in French is 'bonjour'."),
    ("Give me a synonym for 'happy'.", "A synonym for 'happy' is 'joyful'."),
    ("What is the opposite of 'cold'?", "The opposite of 'cold' is 'hot'."),
    ("Hello!", "Hello! How can I help you today?"),
    ("Thank you for your help.", "You're welcome! Let me know if you need anything else."),
    (
        "Can you recommend a healthy breakfast?",
        "Oatmeal with fruit and nuts, or eggs with whole-grain toast, are healthy breakfasts.",
    ),
    ("How many hours are in a week?", "There are 168 hours in a week."),
    ("What is the boiling point of water in Fahrenheit?", "Water boils at 212 °F at sea level."),
    ("What is the main language spoken in Brazil?", "The main language of Brazil is Portuguese."),
    ("프랑스의 수도는 어디인가요?", "프랑스의 수도는 파리입니다."),
    ("한국의 수도는 어디인가요?", "한국의 수도는 서울입니다."),
    ("물은 몇 도에서 끓나요?", "물은 해수면에서 섭씨 100도에서 끓습니다."),
    ("2 더하기 3은 얼마인가요?", "2 더하기 3은 5입니다."),
    ("태양계에서 가장 큰 행성은 무엇인가요?", "태양계에서 가장 큰 행성은 목성입니다."),
    ("파이썬으로 Hello World를 출력하는 방법은?", 'print("Hello, World!")를 사용하면 됩니다.'),
    ("안녕하세요!", "안녕하세요! 무엇을 도와드릴까요?"),
    ("일주일은 며칠인가요?", "일주일은 7일입니다."),
)


def general_rows(system: str | None = None) -> list[ChatRow]:
    return [chat_row(question, answer, system) for question, answer in GENERAL_QA]


def write_general_chat(path: Path) -> int:
    """Write ``data/general_chat.jsonl``; return the number of rows."""
    rows = general_rows()
    write_jsonl(path, rows)
    return len(rows)
