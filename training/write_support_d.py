"""Write training/data/agent_turns_support_d.jsonl: peer-support replies with one main function.

Every line here was written by heard's authors for this purpose (Apache-2.0, like the other
agent_turns files): seekers' messages on everyday troubles, and for each of them supporter
replies whose main function is one of clarifying_question, paraphrase, empathy, reassurance,
solution, or none of these (greetings, thanks, closings, the supporter's own story). The
replies are composed from hand-written phrasings so that each function is seen in many
wordings and on many topics, including the mixed replies whose main function is not their
opening ("I'm sorry to hear that. How long has it been?" mainly asks).

    .venv/bin/python training/write_support_d.py   # deterministic (fixed seed)
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "agent_turns_support_d.jsonl"
MAX_REPEATS = 3
ROUNDS = 3


@dataclass(frozen=True)
class Scenario:
    domain: str
    says: str  # what the seeker wrote
    you: str  # their situation, second person: "you lost your job after eight years"
    what: str  # the same as a noun phrase: "losing your job after eight years"
    feel: tuple[str, ...]  # feelings they showed or would be likely to have
    who: str  # someone in the story
    tries: tuple[str, ...]  # things they could do (verb phrases)
    facts: tuple[str, ...]  # information a supporter might give


S = Scenario
SCENARIOS: list[Scenario] = [
    S(
        "job_loss",
        "they let me go last week after eight years, i don't know what to do with myself",
        "you were let go after eight years there",
        "losing a job you had for eight years",
        ("lost", "shocked", "hurt", "scared about money"),
        "your old boss",
        (
            "update your cv and reach out to a few old colleagues",
            "sign up with a recruitment agency",
            "give yourself a few days to rest before you start applying",
        ),
        (
            "a lot of people find their next job through someone they used to work with",
            "you can usually claim jobseeker's support straight away while you look",
        ),
    ),
    S(
        "job_loss",
        "i was made redundant and i'm the only earner in the house",
        "you've been made redundant and the household depends on your wage",
        "being made redundant when you're the only earner",
        ("terrified", "under pressure", "responsible"),
        "your partner",
        (
            "sit down with your partner and list the bills that can wait",
            "ask your bank about a payment holiday",
        ),
        (
            "redundancy pay is often tax free up to a limit",
            "most banks have a hardship team for exactly this",
        ),
    ),
    S(
        "job_search",
        "i've applied to 60 jobs and haven't had a single interview",
        "you've sent sixty applications and not one has led to an interview",
        "applying again and again and hearing nothing back",
        ("discouraged", "rejected", "worn down"),
        "the recruiters",
        (
            "ask someone you trust to look over your cv",
            "tailor each application to the job advert",
            "try a few smaller companies that get fewer applicants",
        ),
        (
            "many applications are filtered by software before a person sees them",
            "the average search takes a few months right now",
        ),
    ),
    S(
        "workplace_stress",
        "my manager keeps piling more work on me and i'm working every weekend",
        "your manager keeps adding work and it's eating your weekends",
        "working every weekend to keep up",
        ("exhausted", "overwhelmed", "taken for granted", "burnt out"),
        "your manager",
        (
            "write down everything on your plate and ask your manager which to drop",
            "block your weekends off and switch your work phone off",
        ),
        (
            "working long hours for months is one of the biggest causes of burnout",
            "most companies have a policy on overtime you can ask to see",
        ),
    ),
    S(
        "workplace_stress",
        "a coworker takes credit for my ideas in every meeting",
        "a coworker keeps presenting your ideas as theirs",
        "having your ideas taken by a coworker",
        ("angry", "invisible", "frustrated", "unappreciated"),
        "your coworker",
        (
            "send a short email summary after you share an idea",
            "mention it to your manager one to one",
        ),
        ("written notes of who suggested what are the easiest way to show it later",),
    ),
    S(
        "work_conflict",
        "my boss yelled at me in front of everyone today over a small mistake",
        "your boss shouted at you in front of the team over a small slip",
        "being shouted at in front of everyone",
        ("humiliated", "embarrassed", "upset", "shaken"),
        "your boss",
        ("talk to hr about what happened", "write down what was said while it's fresh"),
        ("shouting at staff in public is something hr departments take seriously",),
    ),
    S(
        "breakup",
        "my girlfriend broke up with me after three years and i can't stop crying",
        "your girlfriend ended things after three years",
        "a three-year relationship ending",
        ("heartbroken", "devastated", "lonely", "lost"),
        "your ex",
        (
            "lean on your friends this week",
            "take a break from her social media for a while",
            "write down what you're feeling at night instead of texting her",
        ),
        ("the first few weeks after a breakup are usually the hardest",),
    ),
    S(
        "breakup",
        "he left me for someone else and everyone knew before i did",
        "he left you for someone else and other people knew before you",
        "being left for someone else",
        ("betrayed", "humiliated", "hurt", "angry"),
        "your ex",
        ("spend time with the friends who were honest with you", "mute him everywhere for now"),
        ("feeling humiliated as well as sad is very common after being cheated on",),
    ),
    S(
        "divorce",
        "my wife wants a divorce and we have two little kids",
        "your wife has asked for a divorce and you have two young children",
        "going through a divorce with two small children",
        ("scared", "heartbroken", "worried about the kids", "overwhelmed"),
        "your wife",
        (
            "talk to a family mediator before anything is decided",
            "find out what support the school offers children going through this",
        ),
        (
            "mediation is usually quicker and cheaper than going through the courts",
            "children tend to cope best when parents keep routines the same",
        ),
    ),
    S(
        "partner_conflict",
        "my husband never helps with the house and when i bring it up he says i'm nagging",
        "your husband doesn't share the housework and calls you a nag when you raise it",
        "doing all the housework and being called a nag for mentioning it",
        ("resentful", "unheard", "exhausted", "taken for granted"),
        "your husband",
        ("pick a calm moment and write a list of chores together", "try couples counselling"),
        ("arguments about housework are one of the most common reasons couples seek counselling",),
    ),
    S(
        "trust_jealousy",
        "i found messages on my boyfriend's phone to another girl",
        "you found messages from another girl on your boyfriend's phone",
        "finding those messages",
        ("betrayed", "anxious", "hurt", "confused"),
        "your boyfriend",
        ("ask him about the messages when you're both calm", "talk it through with a friend first"),
        ("people often jump to the worst conclusion before they know the full story",),
    ),
    S(
        "grief",
        "my dad passed away last month and i still can't believe it",
        "your dad died a month ago and it still doesn't feel real",
        "losing your dad",
        ("numb", "heartbroken", "lost", "sad"),
        "your dad",
        (
            "talk to a bereavement counsellor",
            "keep a few of his things close to you",
            "let the people around you know what helps",
        ),
        (
            "feeling numb and disbelieving is very common in the first months of grief",
            "there are free bereavement charities with phone lines you can call",
        ),
    ),
    S(
        "grief",
        "my grandma died and i didn't get to say goodbye because of covid",
        "your grandma died and covid rules kept you from saying goodbye",
        "not being able to say goodbye to your grandma",
        ("guilty", "heartbroken", "robbed", "sad"),
        "your grandma",
        (
            "write her a letter saying what you'd have said",
            "plan a small memorial with your family",
        ),
        ("many families held memorials later once restrictions lifted",),
    ),
    S(
        "pet_grief",
        "we had to put our dog down yesterday, he was 14",
        "you had to say goodbye to your dog of fourteen years yesterday",
        "losing your dog after fourteen years",
        ("heartbroken", "empty", "guilty", "lost"),
        "your dog",
        ("make a little photo album of him", "give yourself permission to grieve him like family"),
        ("grief for a pet can be as strong as grief for a person",),
    ),
    S(
        "loneliness",
        "i moved here for work and i don't know anyone, i spend every evening alone",
        "you moved for work and spend every evening on your own",
        "being alone every evening in a new city",
        ("lonely", "isolated", "homesick", "bored"),
        "your colleagues",
        ("join a club or class around something you enjoy", "ask a colleague to lunch"),
        ("meetup groups and evening classes are where many newcomers make friends",),
    ),
    S(
        "loneliness",
        "all my friends are married with kids now and i feel left behind",
        "your friends are all settled with families and you feel left behind",
        "watching your friends move into a different stage of life",
        ("left out", "lonely", "left behind", "sad"),
        "your friends",
        (
            "suggest plans that fit around their kids",
            "look for groups of people at the same stage as you",
        ),
        ("friendships often change shape in your thirties and then settle again",),
    ),
    S(
        "lockdown_isolation",
        "i haven't seen my family in months because of the lockdown",
        "the lockdown has kept you from your family for months",
        "months without seeing your family",
        ("lonely", "homesick", "sad", "cut off"),
        "your family",
        ("set up a weekly video call with them", "send them letters or small parcels"),
        ("regular scheduled calls help people feel more connected than occasional ones",),
    ),
    S(
        "pandemic",
        "i'm scared to go to work because of the virus, my mum lives with me and she's high risk",
        "you're afraid of bringing the virus home to your mum",
        "worrying about bringing the virus home",
        ("scared", "anxious", "torn", "stressed"),
        "your employer",
        (
            "ask your employer about working from home",
            "change clothes and wash as soon as you get in",
        ),
        ("employers have to carry out a risk assessment for staff with vulnerable relatives",),
    ),
    S(
        "exams_university",
        "i failed two exams and i'm scared i'll get kicked off my course",
        "you failed two exams and fear losing your place",
        "failing two exams",
        ("scared", "ashamed", "panicked", "disappointed"),
        "your tutor",
        ("email your tutor and ask about resits", "make a study timetable for the resits"),
        ("most universities let you resit failed exams before anything else happens",),
    ),
    S(
        "exam_stress",
        "my finals are in two weeks and i can't concentrate at all",
        "your finals are two weeks away and you can't focus",
        "trying to revise with finals so close",
        ("stressed", "panicked", "overwhelmed", "anxious"),
        "your classmates",
        ("study in short blocks with breaks", "put your phone in another room while you revise"),
        ("short focused sessions tend to work better than long ones",),
    ),
    S(
        "academic_pressure",
        "my parents expect me to be a doctor but i hate science",
        "your parents want you to study medicine and you don't enjoy science",
        "being pushed towards a career you don't want",
        ("trapped", "pressured", "guilty", "torn"),
        "your parents",
        (
            "talk to a careers adviser about what you do enjoy",
            "show your parents a plan for the path you want",
        ),
        ("lots of students change course in their first year",),
    ),
    S(
        "school_bullying",
        "kids at school keep calling me names and nobody does anything",
        "other kids call you names and no one steps in",
        "being called names at school",
        ("hurt", "alone", "angry", "embarrassed"),
        "your teacher",
        ("tell a teacher you trust exactly what's being said", "keep a note of when it happens"),
        ("schools have to have an anti-bullying policy and act on reports",),
    ),
    S(
        "money_debt",
        "i've got three credit cards maxed out and i can't even pay the minimum",
        "your three credit cards are at their limit and the minimums are beyond you",
        "being unable to meet the minimum payments",
        ("panicked", "ashamed", "trapped", "stressed"),
        "the card companies",
        ("call a free debt advice charity", "list every debt with its interest rate"),
        ("free debt charities can often freeze interest while you agree a plan",),
    ),
    S(
        "money_worries",
        "rent went up again and i'm not sure how i'll cover it next month",
        "your rent has gone up and next month looks short",
        "not knowing how you'll cover the rent",
        ("anxious", "stressed", "worried", "insecure"),
        "your landlord",
        (
            "talk to your landlord before the rent is due",
            "check whether you qualify for housing support",
        ),
        ("many councils have emergency housing funds",),
    ),
    S(
        "family_conflict",
        "my sister and i had a huge fight and she's not speaking to me",
        "you and your sister fell out and she's gone silent",
        "your sister not speaking to you",
        ("hurt", "sad", "guilty", "frustrated"),
        "your sister",
        (
            "send her a short message saying you miss her",
            "give it a few days and then suggest meeting",
        ),
        ("siblings who fall out often reconcile once the heat goes out of it",),
    ),
    S(
        "difficult_parents",
        "my mum criticises everything i do, even my cooking",
        "your mum finds fault with everything you do",
        "being criticised by your mum all the time",
        ("frustrated", "hurt", "not good enough", "drained"),
        "your mum",
        ("tell her calmly how the comments land", "keep visits shorter for a while"),
        ("setting small boundaries with a parent often works better than one big talk",),
    ),
    S(
        "parenting",
        "my toddler has tantrums every night at bedtime and i'm at the end of my rope",
        "bedtime with your toddler ends in a tantrum every night",
        "nightly bedtime battles",
        ("exhausted", "frustrated", "drained", "at the end of your rope"),
        "your toddler",
        ("keep the same short routine every night", "give a five-minute warning before bedtime"),
        ("bedtime tantrums are very common at that age and usually pass",),
    ),
    S(
        "new_parent",
        "the baby doesn't sleep and i feel like i'm failing as a mother",
        "the baby won't sleep and you feel you're failing",
        "looking after a baby who won't sleep",
        ("exhausted", "inadequate", "guilty", "alone"),
        "your health visitor",
        (
            "ask your health visitor about sleep support",
            "take turns with your partner for night feeds",
        ),
        ("most babies don't sleep through the night for many months",),
    ),
    S(
        "elder_care",
        "i look after my dad with dementia and i have no time for myself",
        "you care for your dad with dementia and have no time left for yourself",
        "caring for your dad with dementia",
        ("worn out", "trapped", "guilty", "lonely"),
        "your dad",
        (
            "ask the council for a carer's assessment",
            "find a respite service for a few hours a week",
        ),
        ("carers are entitled to an assessment of their own needs",),
    ),
    S(
        "loved_one_illness",
        "my best friend was diagnosed with cancer and i don't know how to act around her",
        "your best friend has cancer and you're not sure how to be with her",
        "your best friend's diagnosis",
        ("scared", "helpless", "sad", "awkward"),
        "your friend",
        ("ask her what would help right now", "offer practical help like meals or lifts"),
        ("people with cancer often say they just want friends to keep treating them normally",),
    ),
    S(
        "health_anxiety",
        "i keep googling my symptoms and convincing myself i'm dying",
        "you keep searching your symptoms and ending up sure it's serious",
        "searching symptoms online",
        ("anxious", "scared", "panicked", "on edge"),
        "your doctor",
        ("book a check-up with your doctor", "set a rule not to search symptoms after dark"),
        ("searching symptoms online tends to make health anxiety worse",),
    ),
    S(
        "depression",
        "i don't enjoy anything anymore, i just lie in bed all day",
        "nothing feels enjoyable and you stay in bed all day",
        "not enjoying anything anymore",
        ("empty", "hopeless", "low", "numb"),
        "your doctor",
        (
            "talk to your doctor about how you've been feeling",
            "start with one small thing each day, like a short walk",
        ),
        ("losing interest in things is one of the main signs of depression, and it is treatable",),
    ),
    S(
        "social_anxiety",
        "i get so nervous at parties that i end up leaving after ten minutes",
        "you get so anxious at parties that you leave early",
        "leaving parties because of nerves",
        ("nervous", "embarrassed", "anxious", "frustrated"),
        "your friends",
        ("go with one friend and agree a time to leave", "start with smaller gatherings"),
        ("social anxiety is one of the most common anxiety problems",),
    ),
    S(
        "sleep",
        "i've been waking at 3am every night with my mind racing",
        "you wake at three every night and your thoughts start racing",
        "waking in the night with a racing mind",
        ("exhausted", "anxious", "frustrated", "wired"),
        "your doctor",
        ("keep a notebook by the bed to write worries down", "cut out caffeine after lunch"),
        ("waking in the small hours is common when you're under stress",),
    ),
    S(
        "moving_city",
        "we moved for my husband's job and i miss my old life so much",
        "you moved for your husband's job and miss the life you had",
        "leaving your old life behind",
        ("homesick", "lonely", "resentful", "sad"),
        "your husband",
        ("plan a visit back home", "find one regular activity in the new town"),
        ("it usually takes a year or more to feel settled in a new place",),
    ),
    S(
        "dating_anxiety",
        "every date i go on ends with them ghosting me",
        "your dates keep ending with the other person disappearing",
        "being ghosted again and again",
        ("rejected", "discouraged", "insecure", "hurt"),
        "the people you date",
        ("take a short break from the apps", "meet people through hobbies instead"),
        ("ghosting is extremely common on dating apps and says little about you",),
    ),
    S(
        "friend_conflict",
        "my best friend didn't invite me to her birthday and i found out on instagram",
        "your best friend left you out of her birthday and you saw it online",
        "being left out of your best friend's birthday",
        ("hurt", "left out", "confused", "sad"),
        "your friend",
        ("ask her gently what happened", "wait a day before messaging so you're calmer"),
        ("there is sometimes a simple explanation, like a small guest limit",),
    ),
    S(
        "career_change",
        "i'm 40 and i want to retrain as a nurse but i'm scared it's too late",
        "you want to retrain as a nurse at forty and fear it's too late",
        "retraining at forty",
        ("scared", "unsure", "excited", "nervous"),
        "your family",
        ("talk to the nursing school about mature students", "shadow a nurse for a day"),
        ("many nursing students start in their thirties and forties",),
    ),
    S(
        "chronic_illness",
        "my back pain is so bad i had to stop working and my doctor isn't helping",
        "your back pain forced you to stop work and you feel your doctor isn't helping",
        "living with back pain that stopped you working",
        ("frustrated", "hopeless", "dismissed", "in pain"),
        "your doctor",
        ("ask for a referral to a pain clinic", "ask to see a different doctor at the practice"),
        ("you have the right to ask for a second opinion",),
    ),
    S(
        "retirement",
        "i retired in june and i feel completely useless now",
        "you retired in june and now feel you have no purpose",
        "losing the structure work gave you",
        ("useless", "bored", "lost", "low"),
        "your old colleagues",
        ("volunteer a couple of mornings a week", "take up something you never had time for"),
        ("many people find the first year of retirement the hardest",),
    ),
    S(
        "homesickness",
        "i started university abroad and i cry every night because i miss home",
        "you're studying abroad and missing home so much you cry at night",
        "being so far from home",
        ("homesick", "lonely", "overwhelmed", "sad"),
        "your family",
        ("call home at the same time each week", "join one of the international student societies"),
        ("homesickness usually peaks in the first term and then eases",),
    ),
    S(
        "therapy_wait",
        "i've been on the waiting list for counselling for five months",
        "you've been waiting five months for counselling",
        "waiting months for help",
        ("frustrated", "forgotten", "desperate", "tired"),
        "your doctor",
        (
            "ask your doctor about interim support while you wait",
            "look at free helplines in the meantime",
        ),
        ("some charities offer free counselling with shorter waiting lists",),
    ),
    S(
        "bullying",
        "the other mums at the school gate ignore me and whisper about me",
        "the other parents at the school gate leave you out and talk behind your back",
        "being frozen out by the other parents",
        ("left out", "hurt", "anxious", "humiliated"),
        "the other parents",
        ("find one parent who seems friendly and start there", "get involved in a school event"),
        ("cliques at the school gate are surprisingly common",),
    ),
    S(
        "step_parent",
        "my stepson says he hates me and my partner doesn't back me up",
        "your stepson says he hates you and your partner doesn't support you",
        "being rejected by your stepson",
        ("hurt", "unsupported", "rejected", "frustrated"),
        "your partner",
        (
            "talk to your partner privately about backing each other",
            "give your stepson some space and time",
        ),
        ("blended families often take several years to settle",),
    ),
    S(
        "caregiving",
        "my wife has ms and i do everything for her, i'm so tired",
        "you look after your wife with ms and it's wearing you out",
        "caring for your wife full time",
        ("exhausted", "worn down", "isolated", "guilty"),
        "your wife",
        ("contact a carers' support group", "ask family to cover one afternoon a week"),
        ("carers often qualify for allowances and respite breaks",),
    ),
    S(
        "friend_moved",
        "my best friend moved to australia and i feel like i've lost her",
        "your best friend has moved to australia and you feel you've lost her",
        "your best friend moving so far away",
        ("lonely", "sad", "abandoned", "lost"),
        "your friend",
        ("set up a regular call that fits the time difference", "plan a visit for next year"),
        ("close friendships often survive distance when there's a routine",),
    ),
    S(
        "work_overwhelm",
        "i have three deadlines this week and i haven't started any of them",
        "three deadlines are due this week and none of them is started",
        "facing three deadlines at once",
        ("panicked", "overwhelmed", "stressed", "paralysed"),
        "your manager",
        ("pick the smallest task and start with that", "ask for an extension on one of them"),
        ("breaking a task into small steps makes it easier to start",),
    ),
]

# --- what a supporter says, by main function --------------------------------------------------

OPENERS_SYMPATHY = (
    "I'm sorry to hear that.",
    "i am so sorry to hear that.",
    "Oh no, I'm sorry.",
    "I'm really sorry you're going through this.",
    "That sounds hard.",
    "that's really tough.",
    "Oh wow, that's a lot.",
    "I'm sorry.",
    "Sorry to hear that.",
    "I understand.",
    "I see.",
    "Oh I am sorry.",
    "That must be difficult.",
    "I can understand that.",
)
QUESTIONS = (
    "How long has this been going on?",
    "how are you coping with {what}?",
    "Have you talked to anyone about it?",
    "What happened after that?",
    "Do you have someone you can talk to?",
    "How does your family feel about it?",
    "When did this start?",
    "What worries you the most right now?",
    "Can you tell me more about {what}?",
    "Is this the first time something like this has happened?",
    "How are you feeling today?",
    "What has been the hardest part?",
    "Do you have family nearby?",
    "What did they say?",
    "how have you been sleeping?",
    "Have you been able to take any time for yourself?",
    "What do you think is behind it?",
    "Would you like to tell me a bit more?",
    "How long were you there?",
    "what made you decide to reach out today?",
    "Is anyone helping you with this?",
    "How did you find out?",
    "What would you like to happen?",
    "Are you in touch with anyone who has been through this?",
    "How is it affecting your day to day?",
    "What have you tried so far?",
    "Do you want to talk about how it happened?",
    "how are things at home?",
    "What does a typical day look like for you right now?",
    "Have you spoken to {who} about how you feel?",
    "What do you do to relax?",
    "Do you have any hobbies?",
    "How old are your kids?",
    "were you close to {who}?",
    "What was that like for you?",
    "Is there anything in particular that set it off?",
    "Do you think things could change?",
    "How do you usually deal with stress?",
    "Who else knows about this?",
    "Have you felt like this before?",
)
PARAPHRASES = (
    "So {you}.",
    "So {you}, and it's weighing on you.",
    "It sounds like {you}.",
    "If I understand correctly, {you}.",
    "So what you're saying is {you}.",
    "You mentioned that {you}.",
    "So {you}?",
    "It sounds like {you}, is that right?",
    "Let me see if I've got this right: {you}.",
    "So basically {you}.",
    "From what you've said, {you}.",
    "If I'm hearing you right, {you}.",
    "So, {you} and you're not sure what comes next.",
    "You're saying {you}.",
    "So it's been {what} that's getting to you.",
    "ok so {you}.",
    "It seems {you}, and now you're trying to work out what to do.",
    "So {you}, have I got that right?",
    "{you_cap}. Is that right?",
    "So {you} and that's why you're here today.",
    "I hear that {you}.",
    "Ok, so if I understand, {you}.",
    "You're telling me {you}.",
    "So {you}, correct?",
    "It seems to me that {you}.",
    "So the main thing is {what}?",
    "In other words, {you}.",
)
REFLECTIONS = (
    "You must feel so {f}.",
    "It sounds like you're feeling really {f}.",
    "That must leave you feeling {f}.",
    "I can tell you're feeling {f} about {what}.",
    "You seem really {f} right now.",
    "I can hear how {f} you are.",
    "I imagine you're feeling pretty {f}.",
    "It seems like {what} has left you feeling {f}.",
    "I can only imagine how {f} you must feel.",
    "You sound {f}, and that's completely natural.",
    "It must be so painful to go through {what}.",
    "I can understand how {f} you must be feeling.",
    "I sense that you're feeling {f} and maybe a bit {f2} too.",
    "That sounds like it's left you {f} and {f2}.",
    "{what} must make you feel {f}.",
    "it must feel {f}.",
    "you must be feeling very {f} about all of this.",
    "I get the feeling that you are {f}.",
    "It must be really hard to feel so {f}.",
    "It sounds like you're really {f} right now.",
    "You seem to be feeling {f} and {f2}.",
    "It's understandable to feel {f} when {you}.",
    "I can see why you would feel {f}.",
    "That sounds really {f_adj}, no wonder you feel {f}.",
    "I can sense how {f} you are about {what}.",
    "it seems like you feel {f}.",
    "So you're feeling {f} because {you}.",
    "You feel {f} because {you}.",
    "That must be so {f_adj} for you.",
    "Being {f} after {what} makes a lot of sense.",
)
FEEL_ADJ = {
    "lost": "disorienting",
    "shocked": "shocking",
    "hurt": "painful",
    "scared about money": "frightening",
}
REASSURANCES = (
    "You're doing the best you can, and that's enough.",
    "It's okay to feel this way.",
    "You did the right thing reaching out.",
    "I'm sure things will get better with time.",
    "You're stronger than you think.",
    "It's not your fault.",
    "You will get through this.",
    "Lots of people go through the same thing, you're not alone.",
    "That's a great idea!",
    "I think that's a really good plan.",
    "You sound like a very caring person.",
    "I'm proud of you for talking about it.",
    "I have faith that things will work out for you.",
    "That's a really positive step.",
    "You've already shown a lot of strength.",
    "Everything will be okay.",
    "It's completely normal to feel {f} after {what}.",
    "I'm sure {who} will come round.",
    "You should be proud of how you've handled it.",
    "I hope things start looking up soon, you deserve it.",
    "Take it one day at a time, you're doing well.",
    "that's a very healthy way to look at it.",
    "You've got this!",
    "Things like this take time, and it will get easier.",
    "You're not a failure at all.",
    "I believe you will find your way through it.",
    "It sounds like you're handling it really well.",
    "Don't be too hard on yourself.",
    "That shows real courage.",
    "You have every right to feel that way.",
    "You are a good {role}.",
    "That's a smart way to handle it.",
    "It's great that you're thinking about this.",
    "I'm sure you'll figure it out.",
    "There's nothing wrong with you.",
    "I think you are being very brave.",
    "It's good that you recognise that.",
    "you are definitely not alone in this.",
    "Things will turn around.",
)
ROLES = ("person", "friend", "parent", "partner", "worker", "son", "daughter")
SUGGESTIONS = (
    "Maybe you could {t}.",
    "Have you thought about trying to {t}?",
    "It might help to {t}.",
    "I would suggest you {t}.",
    "One thing that might help is to {t}.",
    "Perhaps you could {t}?",
    "You could try to {t}.",
    "What about trying to {t}?",
    "I think it would be a good idea to {t}.",
    "Why not {t}?",
    "Try to {t}.",
    "maybe try to {t}",
    "If you can, {t}.",
    "It could be worth trying to {t}.",
    "Something that works for a lot of people is to {t}.",
    "Could you {t}?",
    "Have you considered trying to {t}?",
    "My advice would be to {t}.",
    "I think you should {t}.",
    "A good first step could be to {t}.",
    "It may be a good idea to {t}.",
    "You might want to {t}.",
    "Do you think you could {t}?",
    "How about trying to {t}?",
    "Maybe it would help to {t} and see how it goes.",
    "Make sure you {t}.",
    "Just {t}.",
    "You should {t}.",
    "Definitely {t}, it really helps.",
    "I think it might be a good idea to {t}.",
    "Don't forget to {t}.",
    "Try and {t} this week.",
    "The best thing you can do right now is {t}.",
    "I'd really recommend that you {t}.",
)
INFORMATION = (
    "{fact}.",
    "Did you know that {fact}?",
    "From what I know, {fact}.",
    "Actually, {fact}.",
    "It's worth knowing that {fact}.",
    "As far as I know, {fact}.",
    "{fact}, so you're not on your own with this.",
)
SELF_DISCLOSURE = (
    "I went through something similar a couple of years ago.",
    "I had the same thing happen to me last year.",
    "I know what you mean, I've been there myself.",
    "My {rel} went through this too.",
    "I've felt that way before as well.",
    "Same here, I lost my job in the spring.",
    "I also moved away from home recently.",
    "I used to struggle with the same thing.",
    "when i was at university i had a hard time too.",
    "I'm in a similar situation with my own family.",
    "My {rel} and I had a big falling out once, it took months to sort out.",
    "I remember feeling exactly like that when my {rel} got sick.",
    "I lost my job once too, it was a hard time for me.",
    "I have two kids myself so I know how it goes.",
    "I'm a night owl as well, haha.",
    "I also find it hard to make friends as an adult.",
    "Personally I struggled with the same thing at your age.",
    "I went through a breakup last year too. It took me months to feel like myself again.",
    "When my {rel} passed away I didn't leave the house for weeks. I still miss them every day.",
    "I was made redundant in 2019 and I remember that feeling of not knowing what to do with my "
    "days.",
    "I moved to a new city on my own a few years ago and the first months were really lonely for "
    "me.",
    "My {rel} has the same condition, so I've seen how hard it can be.",
    "I've been there. I failed my driving test three times before I passed.",
    "I'm a teacher myself, so I hear about this a lot at work.",
    "I had a boss like that once. I ended up leaving that job after a year.",
)
OTHERS = (
    "Hello, how can I help you today?",
    "Hi there!",
    "Hello!",
    "Thank you for sharing that with me.",
    "You're welcome.",
    "Take care of yourself.",
    "Good luck!",
    "Have a nice evening.",
    "It was nice talking to you.",
    "I'm glad I could help.",
    "Thanks for chatting with me.",
    "No problem at all.",
    "bye for now",
    "Okay.",
    "Sure.",
    "I'm here to listen.",
    "I'm glad you feel a bit better.",
    "Happy to help!",
    "Thank you for talking with me today.",
    "Have a good night.",
    "you're very welcome, take care",
    "Hi, I'm here to chat whenever you're ready.",
    "Ok, I see.",
    "Yes, of course.",
    "Best of luck with everything.",
    "Glad to hear that!",
    "That's nice to hear.",
    "I hope you have a good day.",
    "You're welcome, it was my pleasure.",
    "Thank you for reaching out.",
    "Hi, nice to meet you.",
    "Sorry for the late reply.",
    "Please take the survey at the end, thanks!",
    "I'm doing well, thank you for asking.",
    "Hope you have a lovely weekend.",
    "Goodbye and take care.",
    "lol yes",
    "Me too!",
    "That's great to hear!",
)
RELATIVES = (
    "sister",
    "brother",
    "cousin",
    "best friend",
    "mum",
    "dad",
    "uncle",
    "aunt",
    "neighbour",
    "colleague",
)


ACKNOWLEDGING = frozenset({"I understand.", "I see.", "I can understand that."})


def _opener(rng: random.Random) -> tuple[str, list[str]]:
    """A short lead-in and what it does: "I see." acknowledges, "I'm sorry." sympathises."""
    opener = rng.choice(OPENERS_SYMPATHY)
    return opener, ["acknowledgement"] if opener in ACKNOWLEDGING else ["empathy"]


def _fill(template: str, s: Scenario, rng: random.Random) -> str:
    f, f2 = rng.sample(s.feel, 2) if len(s.feel) > 1 else (s.feel[0], s.feel[0])
    return template.format(
        you=s.you,
        what=s.what,
        f=f,
        f2=f2,
        who=s.who,
        t=rng.choice(s.tries),
        fact=rng.choice(s.facts),
        rel=rng.choice(RELATIVES),
        f_adj=FEEL_ADJ.get(f, "hard"),
        you_cap=s.you[0].upper() + s.you[1:],
        role=rng.choice(ROLES),
    )


def _style(text: str, rng: random.Random) -> str:
    """Vary register as chat writers do: lower case, dropped final stop, doubled dots."""
    text = text[0].upper() + text[1:] if text else text
    roll = rng.random()
    if roll < 0.25:
        text = text.lower()
    if rng.random() < 0.15 and text.endswith("."):
        text = text[:-1]
    if rng.random() < 0.05:
        text = text.replace(". ", ".. ")
    return text


def replies(s: Scenario, rng: random.Random) -> list[tuple[str, str, list[str], str | None]]:
    """(reply, primary, labels, question kind) for one scenario."""
    out: list[tuple[str, str, list[str], str | None]] = []

    def q_kind(q: str) -> str:
        return (
            "open"
            if q.split()[0].lower() in {"how", "what", "when", "why", "can", "would"}
            else "closed"
        )

    for q in rng.sample(QUESTIONS, 5):
        text = _fill(q, s, rng)
        out.append((text, "clarifying_question", ["clarifying_question"], q_kind(text)))
    for q in rng.sample(QUESTIONS, 3):
        opener, lead = _opener(rng)
        text = f"{opener} {_fill(q, s, rng)}"
        kind = q_kind(_fill(q, s, rng))
        out.append((text, "clarifying_question", [*lead, "clarifying_question"], kind))
    for p in rng.sample(PARAPHRASES, 4):
        text = _fill(p, s, rng)
        out.append((text, "paraphrase", ["paraphrase"], "closed" if text.endswith("?") else None))
    p = rng.choice(PARAPHRASES)
    opener, lead = _opener(rng)
    out.append((f"{opener} {_fill(p, s, rng)}", "paraphrase", [*lead, "paraphrase"], None))
    for r in rng.sample(REFLECTIONS, 5):
        out.append((_fill(r, s, rng), "empathy", ["empathy"], None))
    r = rng.choice(REFLECTIONS)
    opener, lead = _opener(rng)
    labels = [*lead, "empathy"] if "empathy" not in lead else lead
    out.append((f"{opener} {_fill(r, s, rng)}", "empathy", labels, None))
    for a in rng.sample(REASSURANCES, 4):
        out.append((_fill(a, s, rng), "reassurance", ["reassurance"], None))
    a = rng.choice(REASSURANCES)
    opener, lead = _opener(rng)
    out.append((f"{opener} {_fill(a, s, rng)}", "reassurance", [*lead, "reassurance"], None))
    for g in rng.sample(SUGGESTIONS, 4):
        text = _fill(g, s, rng)
        out.append((text, "solution", ["solution"], None))
    g = rng.choice(SUGGESTIONS)
    opener, lead = _opener(rng)
    out.append((f"{opener} {_fill(g, s, rng)}", "solution", [*lead, "solution"], None))
    for i in rng.sample(INFORMATION, 2):
        out.append((_fill(i, s, rng), "solution", ["solution"], None))
    for d in rng.sample(SELF_DISCLOSURE, 2):
        out.append((_fill(d, s, rng), "none", [], None))
    for o in rng.sample(OTHERS, 3):
        out.append((o, "none", [], None))
    return out


# --- customer service: the same functions in a help desk's words ------------------------------
# (A reply that apologises and then acts mainly solves; one that apologises and asks mainly asks.)


@dataclass(frozen=True)
class Case:
    domain: str
    says: str  # the customer's message
    you: str  # their problem restated, second person
    sorry: str  # what an agent is sorry about: "your parcel is late"
    did: tuple[str, ...]  # what an agent has done or will do
    ask: tuple[str, ...]  # what an agent needs to know
    feel: str  # how they likely feel
    stake: str  # what is at stake for them, in their own terms: "with your trip this weekend"
    news: tuple[str, ...]  # information about what will happen (no promise, no comfort)


C = Case
CASES: list[Case] = [
    C(
        "ecommerce",
        "My order was meant to arrive on Monday and it still isn't here. I need it for a trip on "
        "Saturday.",
        "your order hasn't arrived and you need it before your trip on Saturday",
        "your order is late",
        (
            "I've sent a replacement by express delivery and it will be with you by Thursday",
            "I've upgraded the delivery to next day at no cost",
            "I've refunded the shipping charge to your card",
        ),
        ("What's the order number?", "Could you confirm the delivery address for me?"),
        "stressed",
        "with your trip this weekend",
        (
            "The parcel is now showing as due with you on Thursday",
            "Orders from that warehouse go out with the evening collection",
        ),
    ),
    C(
        "ecommerce",
        "The blender arrived with a cracked jug.",
        "the blender came with its jug cracked",
        "the blender arrived damaged",
        (
            "I've arranged a free replacement jug, it will ship today",
            "I've issued a full refund, you'll see it in 3-5 working days",
        ),
        ("Could you send me a photo of the crack?", "Was the box damaged as well?"),
        "disappointed",
        "when you were looking forward to using it",
        (
            "Replacement jugs are sent separately from the base",
            "The refund goes back to the card you paid with",
        ),
    ),
    C(
        "banking",
        "There's a payment on my card I didn't make, 240 pounds to a shop I've never heard of.",
        "there's a 240 pound payment on your card that you didn't make",
        "you've found a payment you didn't make",
        (
            "I've blocked the card and a new one is on its way",
            "I've raised a dispute and refunded the 240 pounds while we investigate",
        ),
        ("When did you last use the card yourself?", "Do you still have the card with you?"),
        "alarmed",
        "with that much money taken",
        (
            "Disputed payments are usually settled within ten working days",
            "The new card will have a different number",
        ),
    ),
    C(
        "telecom",
        "My internet has been dropping out every evening for a week and I work from home.",
        "your connection has been cutting out every evening for a week and you rely on it for work",
        "your connection keeps dropping",
        (
            "I've booked an engineer for tomorrow morning",
            "I've reset the line from our side and applied a credit for the week",
        ),
        (
            "What lights are showing on the router right now?",
            "Does it drop on every device or just one?",
        ),
        "frustrated",
        "when you need it for work every day",
        (
            "The fault is on the line outside your building",
            "The engineer will need access to the main socket",
        ),
    ),
    C(
        "travel",
        "My flight was cancelled and nobody has told me how I get home.",
        "your flight was cancelled and you haven't been told how to get home",
        "your flight was cancelled",
        (
            "I've rebooked you on the 18:40 flight tonight",
            "I've booked you a hotel near the airport and a seat on the first flight tomorrow",
        ),
        ("Which flight number were you booked on?", "Are you travelling with anyone else?"),
        "stranded",
        "stuck at the airport with no way home",
        (
            "The next available flight leaves at 18:40",
            "The hotel includes breakfast and the shuttle runs every half hour",
        ),
    ),
    C(
        "utilities",
        "My energy bill doubled this month and I haven't used any more than usual.",
        "your bill has doubled even though your usage hasn't changed",
        "your bill has jumped like that",
        (
            "I've corrected the meter reading and sent you a new bill",
            "I've put the payment on hold while we check the reading",
        ),
        ("Could you read me the numbers on your meter?", "When did you last send us a reading?"),
        "shocked",
        "when the bill arrived out of nowhere",
        (
            "The bill was based on an estimated reading",
            "The corrected amount will show on your next statement",
        ),
    ),
    C(
        "software",
        "I can't log in to my account and I have a presentation in an hour.",
        "you're locked out of your account with a presentation in an hour",
        "you're locked out right before your presentation",
        (
            "I've unlocked your account and sent a reset link to your email",
            "I've reset your password, the temporary one is in your inbox",
        ),
        ("What error do you see when you try?", "Which email address is on the account?"),
        "panicked",
        "with your presentation coming up so soon",
        (
            "Reset links stay valid for thirty minutes",
            "The account was locked after three failed attempts",
        ),
    ),
    C(
        "insurance",
        "I made a claim for my car six weeks ago and nobody has called me back.",
        "your car claim has been open for six weeks without a call back",
        "you've been left waiting six weeks",
        (
            "I've escalated the claim to a senior handler who will call you tomorrow",
            "I've approved the hire car while the claim is finished",
        ),
        ("Do you have your claim reference?", "Has the garage sent you their estimate yet?"),
        "ignored",
        "after waiting all this time for an answer",
        (
            "Claims with a garage estimate are usually settled within a fortnight",
            "The hire car is covered for up to fourteen days",
        ),
    ),
    C(
        "food_delivery",
        "My food arrived cold and half of it was missing.",
        "your meal came cold with half the order missing",
        "your meal arrived like that",
        (
            "I've refunded the whole order to your card",
            "I've added a credit for your next order as well",
        ),
        ("Which items were missing?", "Was the bag sealed when it arrived?"),
        "annoyed",
        "when you were hungry and waiting for it",
        (
            "Refunds for missing items go back to your original payment",
            "The restaurant has been told about the missing items",
        ),
    ),
    C(
        "healthcare_admin",
        "I've been trying to get my test results for two weeks and no one answers the phone.",
        "you've been chasing your test results for two weeks and can't get through",
        "you've not been able to get through",
        (
            "I've found your results and asked the doctor to call you this afternoon",
            "I've sent the results to your patient portal",
        ),
        ("Can you confirm your date of birth?", "Which test was it?"),
        "anxious",
        "when you are waiting to hear about your health",
        (
            "Results are usually released to the portal within two days",
            "The surgery lines are quietest after 2pm",
        ),
    ),
]

SERVICE_SOLVES = (
    "I'm so sorry {sorry}. {did}.",
    "Sorry about that. {did}.",
    "I'm really sorry {sorry}. {did}, and I'll email you the confirmation.",
    "{did}.",
    "Thanks for waiting. {did}.",
    "I apologise that {sorry}. {did}.",
)
SERVICE_ASKS = (
    "I'm sorry {sorry}. {ask}",
    "Sorry to hear that. {ask}",
    "I'll look into it straight away. {ask}",
    "{ask}",
    "I'm sorry about this. So I can check, {ask_lower}",
)
SERVICE_RESTATES = (
    "So {you}, is that right?",
    "Just to confirm, {you}?",
    "So {you}. Have I got that right?",
    "If I've understood, {you}.",
    "Okay, so {you}.",
)
SERVICE_FEELS = (
    "I'm so sorry {sorry}, especially {stake}.",
    "Oh no, I'm really sorry {sorry}, {stake} that must be so stressful.",
    "I'm sorry {sorry}. {Stake}, I'd be {feel} too.",
    "I'm so sorry {sorry}, I can see why you're {feel}.",
    "That must be really stressful, I'd be {feel} too.",
    "I completely understand why you're {feel}, that's not the experience you should have had.",
    "I'm really sorry {sorry}, that's so frustrating.",
    "Oh no, I can only imagine how {feel} you must be.",
)
SERVICE_NEWS = (
    "{news}.",
    "Just so you know, {news_lower}.",
    "I've checked: {news_lower}.",
)
# Short statements of what will happen: information, however calm they sound.
SHORT_NEWS = (
    "It will be collected on Monday.",
    "This will be refunded to the original card.",
    "It will be posted first class.",
    "This will be added to your next bill.",
    "It will be shipped from our main warehouse.",
    "This will show as pending for a day or two.",
    "It will be sent to the address on your account.",
    "This will be taken by direct debit on the 1st.",
    "It will be processed overnight.",
    "That will be deducted from the final invoice.",
    "The payment will be taken when the order ships.",
    "It will be signed for on delivery.",
)
# Brushing the customer off or blaming them: neither a remedy nor reassurance, however it is put.
SERVICE_BLAMES = (
    ("Relax, you probably typed the card number wrong.", ["dismissive", "assumption"]),
    ("Just calm down, it's obviously a mistake on your end.", ["dismissive", "assumption"]),
    ("You must have ignored the confirmation email.", ["assumption"]),
    ("Take a breath, there's no need to shout at me.", ["dismissive"]),
    ("Stop panicking, you clearly clicked the wrong option.", ["dismissive", "assumption"]),
    ("As I already said, that's not something we deal with.", ["dismissive"]),
    ("You obviously didn't read the terms before buying.", ["dismissive", "assumption"]),
    ("Settle down, you must have forgotten your own password.", ["dismissive", "assumption"]),
)
SERVICE_REASSURES = (
    "Please don't worry, we'll get this sorted.",
    "You've done the right thing getting in touch.",
    "Rest assured, you won't be out of pocket.",
    "Don't worry, this is something we can fix.",
    "You're in good hands, I'll look after this.",
    "This happens more often than you'd think and it's easy to put right.",
)
SERVICE_NONE = (
    "Hello, thanks for contacting us!",
    "Thanks for your patience.",
    "You're welcome, have a great day!",
    "Is there anything else I can help with today?",
    "Thank you for chatting with us.",
    "One moment please.",
    "Good morning, you're through to the help desk.",
    "Have a lovely evening!",
)


# A time tied to what was done ("by Thursday", "tomorrow morning"): the timeline label.
WHEN = re.compile(
    r"\b(?:today|tonight|tomorrow|this (?:afternoon|evening)|by \w+day|\d+-\d+ working days|"
    r"\d{1,2}:\d{2})\b",
    re.IGNORECASE,
)


def _service_labels(text: str, main: str) -> list[str]:
    """Every label a service reply carries, as in agent_turns_service.jsonl."""
    lowered = text.lower()
    labels = []
    if lowered.startswith(("i'm", "i apologise", "sorry to hear")):
        labels.append("empathy")
    if main != "none":
        labels.append(main)
    if "i'll look into it" in lowered or "i'll look after this" in lowered:
        labels.append("ownership")
    if main == "solution" and WHEN.search(text):
        labels.append("timeline")
    if "i'll email you" in lowered or "will call you" in lowered:
        labels.append("follow_up")
    return labels


def service_replies(c: Case, rng: random.Random) -> list[tuple[str, str, list[str], str | None]]:
    out: list[tuple[str, str, list[str], str | None]] = []
    for t in rng.sample(SERVICE_SOLVES, 3):
        text = t.format(sorry=c.sorry, did=rng.choice(c.did))
        out.append((text, "solution", _service_labels(text, "solution"), None))
    for t in rng.sample(SERVICE_ASKS, 2):
        ask = rng.choice(c.ask)
        text = t.format(sorry=c.sorry, ask=ask, ask_lower=ask[0].lower() + ask[1:])
        out.append(
            (text, "clarifying_question", _service_labels(text, "clarifying_question"), "closed")
        )
    for t in rng.sample(SERVICE_RESTATES, 2):
        out.append(
            (t.format(you=c.you), "paraphrase", ["paraphrase"], "closed" if "?" in t else None)
        )
    for t in rng.sample(SERVICE_FEELS, 3):
        text = t.format(
            sorry=c.sorry, feel=c.feel, stake=c.stake, Stake=c.stake[0].upper() + c.stake[1:]
        )
        out.append((text, "empathy", ["empathy"], None))
    for t in rng.sample(SERVICE_NEWS, 2):
        news = rng.choice(c.news)
        text = t.format(news=news, news_lower=news[0].lower() + news[1:])
        out.append((text, "solution", _service_labels(text, "solution"), None))
    for t in rng.sample(SHORT_NEWS, 3):
        out.append((t, "solution", ["solution"], None))
    for text, labels in rng.sample(SERVICE_BLAMES, 2):
        out.append((text, "none", labels, None))
    for t in rng.sample(SERVICE_REASSURES, 1):
        out.append((t, "reassurance", _service_labels(t, "reassurance"), None))
    for t in rng.sample(SERVICE_NONE, 1):
        out.append((t, "none", [], None))
    return out


def main(out: Path = OUT) -> None:
    rng = random.Random(20261124)
    seen: dict[str, int] = {}
    written = 0
    with out.open("w", encoding="utf-8") as stream:

        def write(
            says: str, domain: str, text: str, primary: str, labels: list[str], kind: str | None
        ) -> None:
            nonlocal written
            # A stock line may answer a few different seekers, not dozens.
            if seen.get(text.lower(), 0) >= MAX_REPEATS:
                return
            seen[text.lower()] = seen.get(text.lower(), 0) + 1
            written += 1
            row = {
                "context": [says],
                "reply": text,
                "primary": primary,
                "labels": labels,
                "question": kind,
                "domain": domain,
            }
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")

        for _ in range(ROUNDS):
            for s in SCENARIOS:
                for text, primary, labels, kind in replies(s, rng):
                    write(s.says, s.domain, _style(text, rng), primary, labels, kind)
            for c in CASES:
                for text, primary, labels, kind in service_replies(c, rng):
                    write(c.says, c.domain, text, primary, labels, kind)
    print(f"wrote {written} replies to {out}")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
