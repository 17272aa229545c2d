//! The Nifty workspace the fake serves: projects, task groups, tasks, labels and task
//! comments, seeded deterministically. Tasks follow GHL's seeded tasks for a share of GHL's
//! contacts (the contact named in the task, its email in the description), as a team that
//! mirrors CRM follow-ups into Nifty would have them.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::seed::SeedContact;

pub(crate) const FOLLOW_UPS: &str = "Client follow-ups";

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct TaskGroup {
    pub id: String,
    pub name: String,
    pub project: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub id: String,
    pub nice_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub archived: bool,
    pub completed: bool,
    pub completed_on: Option<DateTime<Utc>>,
    pub due_date: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub task_group: String,
    pub project: String,
    pub milestone: Option<String>,
    pub assignees: Vec<String>,
    pub labels: Vec<String>,
    pub parent: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub id: String,
    pub task: String,
    pub text: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

pub(crate) struct Workspace {
    pub rng: SmallRng,
    pub members: Vec<String>,
    pub projects: Vec<Project>,
    pub task_groups: Vec<TaskGroup>,
    pub labels: Vec<Label>,
    pub tasks: Vec<Task>,
    pub messages: Vec<Message>,
    next_nice: u64,
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn opt_time(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| json!(time(t)))
}

impl Task {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "nice_id": self.nice_id,
            "name": self.name,
            "description": self.description,
            "created_at": time(self.created_at),
            "created_by": self.created_by,
            "archived": self.archived,
            "completed": self.completed,
            "completed_on": opt_time(self.completed_on),
            "due_date": opt_time(self.due_date),
            "start_date": opt_time(self.start_date),
            "task_group": self.task_group,
            "project": self.project,
            "milestone": self.milestone,
            "assignees": self.assignees,
            "labels": self.labels,
            "task": self.parent,
        })
    }
}

impl Label {
    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "color": self.color})
    }
}

impl Message {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "type": 0,
            "text": self.text,
            "task": self.task,
            "author": {"id": self.author},
            "createdAt": time(self.created_at),
            "updatedAt": time(self.created_at),
            "isEdited": false,
        })
    }
}

impl Workspace {
    /// A Nifty-style short id (10 letters and digits).
    pub fn new_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..10)
            .map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())]))
            .collect()
    }

    pub fn next_nice_id(&mut self) -> String {
        self.next_nice += 1;
        format!("CF-{}", self.next_nice)
    }

    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn task_group(&self, id: &str) -> Option<&TaskGroup> {
        self.task_groups.iter().find(|g| g.id == id)
    }

    pub fn task_index(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.id == id)
    }

    fn group_named(&self, project: &str, name: &str) -> String {
        self.task_groups
            .iter()
            .find(|g| g.project == project && g.name == name)
            .map(|g| g.id.clone())
            .unwrap_or_default()
    }
}

pub(crate) struct SeedPlan<'a> {
    pub seed: u64,
    pub ghl: &'a [SeedContact],
    pub overlap: f64,
    pub extra_tasks: usize,
    pub anchor: DateTime<Utc>,
}

const LABELS: &[(&str, &str)] = &[
    ("Follow-up", "#F9A33A"),
    ("VIP", "#E5484D"),
    ("Onboarding", "#30A46C"),
    ("Renewal", "#0090FF"),
];

pub(crate) fn seeded(plan: &SeedPlan<'_>) -> Workspace {
    let mut ws = Workspace {
        rng: SmallRng::seed_from_u64(plan.seed ^ 0x006e_6966_7479),
        members: Vec::new(),
        projects: Vec::new(),
        task_groups: Vec::new(),
        labels: Vec::new(),
        tasks: Vec::new(),
        messages: Vec::new(),
        next_nice: 0,
    };
    ws.members = (0..3).map(|_| ws.new_id()).collect();
    for name in [FOLLOW_UPS, "Internal"] {
        let id = ws.new_id();
        ws.projects.push(Project {
            id: id.clone(),
            name: name.into(),
        });
        for group in ["To do", "In progress", "Done"] {
            let gid = ws.new_id();
            ws.task_groups.push(TaskGroup {
                id: gid,
                name: group.into(),
                project: id.clone(),
            });
        }
    }
    for (name, color) in LABELS {
        let id = ws.new_id();
        ws.labels.push(Label {
            id,
            name: (*name).into(),
            color: (*color).into(),
        });
    }
    let follow_ups = ws.projects[0].id.clone();
    let (todo, done) = (
        ws.group_named(&follow_ups, "To do"),
        ws.group_named(&follow_ups, "Done"),
    );
    for contact in plan.ghl {
        if ws.rng.random::<f64>() >= plan.overlap {
            continue;
        }
        for seed_task in &contact.tasks {
            let id = ws.new_id();
            let nice_id = ws.next_nice_id();
            let assignee = ws.members[ws.rng.random_range(0..ws.members.len())].clone();
            let label = (ws.rng.random::<f64>() < 0.3).then(|| {
                ws.labels[ws.rng.random_range(0..ws.labels.len())]
                    .id
                    .clone()
            });
            let body = seed_task.body.clone().unwrap_or_default();
            ws.tasks.push(Task {
                id: id.clone(),
                nice_id,
                name: format!(
                    "{} — {} {}",
                    seed_task.title, contact.first_name, contact.last_name
                ),
                description: Some(
                    format!("{body}\nContact: {}", contact.email)
                        .trim()
                        .to_string(),
                ),
                created_at: seed_task.date_added,
                created_by: ws.members[0].clone(),
                archived: false,
                completed: seed_task.completed,
                completed_on: seed_task.completed.then_some(seed_task.due_date),
                due_date: Some(seed_task.due_date),
                start_date: None,
                task_group: if seed_task.completed {
                    done.clone()
                } else {
                    todo.clone()
                },
                project: follow_ups.clone(),
                milestone: None,
                assignees: vec![assignee.clone()],
                labels: label.into_iter().collect(),
                parent: None,
            });
            if ws.rng.random::<f64>() < 0.25 {
                let message_id = ws.new_id();
                ws.messages.push(Message {
                    id: message_id,
                    task: id,
                    text: format!("Left a voicemail for {}.", contact.first_name),
                    author: assignee,
                    created_at: seed_task.date_added + chrono::Duration::hours(2),
                });
            }
        }
    }
    for n in 0..plan.extra_tasks {
        let id = ws.new_id();
        let nice_id = ws.next_nice_id();
        let created_by = ws.members[n % ws.members.len()].clone();
        ws.tasks.push(Task {
            id,
            nice_id,
            name: format!("Backlog item {}", n + 1),
            description: None,
            created_at: plan.anchor - chrono::Duration::minutes(n as i64 + 1),
            created_by,
            archived: false,
            completed: n % 4 == 0,
            completed_on: None,
            due_date: None,
            start_date: None,
            task_group: todo.clone(),
            project: follow_ups.clone(),
            milestone: None,
            assignees: Vec::new(),
            labels: Vec::new(),
            parent: None,
        });
    }
    let internal = ws.projects[1].id.clone();
    let internal_todo = ws.group_named(&internal, "To do");
    for (n, name) in ["Update the price list", "Plan the team offsite"]
        .iter()
        .enumerate()
    {
        let id = ws.new_id();
        let nice_id = ws.next_nice_id();
        ws.tasks.push(Task {
            id,
            nice_id,
            name: (*name).into(),
            description: None,
            created_at: plan.anchor - chrono::Duration::days(n as i64 + 3),
            created_by: ws.members[1].clone(),
            archived: false,
            completed: false,
            completed_on: None,
            due_date: None,
            start_date: None,
            task_group: internal_todo.clone(),
            project: internal.clone(),
            milestone: None,
            assignees: Vec::new(),
            labels: Vec::new(),
            parent: None,
        });
    }
    ws
}
