//! The workload of WORKLOAD.md, built once from a seeded generator, in plain indices: every
//! engine's model is made from this and only this.

/// SplitMix64: a tiny, well-mixed seeded generator (Steele, Lea, Flood 2014).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by Lemire's multiply-shift (bias below 2^-32 for our sizes).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.below(items.len())) }
    }
}

/// The sizes, from the environment, defaulting to WORKLOAD.md's.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub users: usize,
    pub groups: usize,
    pub folders: usize,
    pub documents: usize,
    pub grants: usize,
    pub queries: usize,
    pub seed: u64,
    pub repetitions: usize,
}

impl Sizes {
    pub fn from_env() -> Result<Self, String> {
        fn var(name: &str, default: u64) -> Result<u64, String> {
            match std::env::var(name) {
                Ok(v) => v.trim().parse().map_err(|_| format!("`{name}` is not a number: `{v}`")),
                Err(_) => Ok(default),
            }
        }
        let s = Self {
            users: var("USERS", 10_000)? as usize,
            groups: var("GROUPS", 1_000)? as usize,
            folders: var("FOLDERS", 1_000)? as usize,
            documents: var("DOCUMENTS", 100_000)? as usize,
            grants: var("GRANTS", 200_000)? as usize,
            queries: var("QUERIES", 100_000)? as usize,
            seed: var("SEED", 8)?,
            repetitions: var("REPETITIONS", 5)? as usize,
        };
        if s.users == 0 || s.groups < 3 || s.folders == 0 || s.documents == 0 || s.grants == 0 {
            return Err("need USERS ≥ 1, GROUPS ≥ 3, FOLDERS ≥ 1, DOCUMENTS ≥ 1, GRANTS ≥ 1".into());
        }
        Ok(Self { repetitions: s.repetitions.max(1), ..s })
    }
}

/// What a share is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Folder(u32),
    Document(u32),
}

/// Whom a share is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    User(u32),
    Group(u32),
}

/// The four levels of the workload, in containment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Viewer,
    Commenter,
    Editor,
    Manager,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Viewer, Level::Commenter, Level::Editor, Level::Manager];

    pub fn name(self) -> &'static str {
        match self {
            Level::Viewer => "viewer",
            Level::Commenter => "commenter",
            Level::Editor => "editor",
            Level::Manager => "manager",
        }
    }

    /// The actions the level allows (WORKLOAD.md; SEMANTICS.md section 2).
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Level::Viewer => &[View],
            Level::Commenter => &[View, Comment],
            Level::Editor => &[View, Comment, Edit],
            Level::Manager => &[View, Comment, Edit, Delete, ManageAccess],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Comment,
    Edit,
    Delete,
    ManageAccess,
}

impl Action {
    pub const ALL: [Action; 5] =
        [Action::View, Action::Comment, Action::Edit, Action::Delete, Action::ManageAccess];

    pub fn name(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Comment => "comment",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::ManageAccess => "manage_access",
        }
    }
}

/// One share; `level == None` is a restrict.
#[derive(Debug, Clone, Copy)]
pub struct Grant {
    pub target: Target,
    pub who: Who,
    pub level: Option<Level>,
    /// Seconds since the epoch.
    pub expires: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Query {
    pub user: u32,
    pub document: u32,
    pub action: Action,
}

pub struct Workload {
    /// Seconds since the epoch.
    pub now: i64,
    pub users: usize,
    pub folders: usize,
    /// Each user's direct groups.
    pub user_groups: Vec<Vec<u32>>,
    /// Each group's parent, if nested.
    pub group_parent: Vec<Option<u32>>,
    /// Each document's folder.
    pub doc_folder: Vec<u32>,
    /// Grants first, then restricts.
    pub shares: Vec<Grant>,
    pub queries: Vec<Query>,
}

/// 2026-11-23T00:00:00Z.
pub const NOW: i64 = 1_795_392_000;
const THIRTY_DAYS: usize = 30 * 24 * 3600;

impl Workload {
    /// The user's groups, transitively (direct ones, then their parents), sorted.
    pub fn transitive_groups(&self, user: u32) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for &g in &self.user_groups[user as usize] {
            let mut next = Some(g);
            while let Some(g) = next {
                if !out.contains(&g) {
                    out.push(g);
                }
                next = self.group_parent[g as usize];
            }
        }
        out.sort_unstable();
        out
    }

    pub fn generate(s: &Sizes) -> Self {
        let mut rng = Rng::new(s.seed);
        let now = NOW;

        // Groups: the first tenth are nested, each in one random top-level group.
        let nested = s.groups / 10;
        let group_parent: Vec<Option<u32>> = (0..s.groups)
            .map(|g| (g < nested).then(|| (nested + rng.below(s.groups - nested)) as u32))
            .collect();

        // Users: each in 3 distinct random groups.
        let user_groups: Vec<Vec<u32>> = (0..s.users)
            .map(|_| {
                let mut gs = Vec::with_capacity(3);
                while gs.len() < 3 {
                    let g = rng.below(s.groups) as u32;
                    if !gs.contains(&g) {
                        gs.push(g);
                    }
                }
                gs
            })
            .collect();

        // Members of each group, transitively (a member of a child group is a member).
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); s.groups];
        let mut direct: Vec<Vec<u32>> = vec![Vec::new(); s.groups];
        for (u, gs) in user_groups.iter().enumerate() {
            for &g in gs {
                direct[g as usize].push(u as u32);
                let mut next = Some(g);
                while let Some(g) = next {
                    if !members[g as usize].contains(&(u as u32)) {
                        members[g as usize].push(u as u32);
                    }
                    next = group_parent[g as usize];
                }
            }
        }

        let doc_folder: Vec<u32> = (0..s.documents).map(|_| rng.below(s.folders) as u32).collect();
        let mut folder_docs: Vec<Vec<u32>> = vec![Vec::new(); s.folders];
        for (d, &f) in doc_folder.iter().enumerate() {
            folder_docs[f as usize].push(d as u32);
        }

        let expiry = |rng: &mut Rng| -> Option<i64> {
            if !rng.percent(30) {
                return None;
            }
            let offset = 1 + rng.below(THIRTY_DAYS) as i64;
            Some(if rng.percent(50) { now - offset } else { now + offset })
        };

        let mut shares = Vec::with_capacity(s.grants + s.grants / 100);
        for _ in 0..s.grants {
            let target = if rng.percent(10) {
                Target::Folder(rng.below(s.folders) as u32)
            } else {
                Target::Document(rng.below(s.documents) as u32)
            };
            let who = if rng.percent(30) {
                Who::Group(rng.below(s.groups) as u32)
            } else {
                Who::User(rng.below(s.users) as u32)
            };
            let level = Some(Level::ALL[rng.below(4)]);
            let expires = expiry(&mut rng);
            shares.push(Grant { target, who, level, expires });
        }
        for _ in 0..s.grants / 100 {
            let model = shares[rng.below(s.grants)];
            let who = match model.who {
                Who::Group(g) if rng.percent(50) => {
                    rng.pick(&direct[g as usize]).map_or(model.who, |&u| Who::User(u))
                }
                who => who,
            };
            let expires = expiry(&mut rng);
            shares.push(Grant { target: model.target, who, level: None, expires });
        }

        // Queries: 45 % from a grant, 5 % from a restrict, 50 % uniform.
        let restricts = shares.len() - s.grants;
        let queries = (0..s.queries)
            .map(|_| {
                let roll = rng.below(100);
                let action = Action::ALL[rng.below(5)];
                let from = if roll < 45 {
                    Some(shares[rng.below(s.grants)])
                } else if roll < 50 && restricts > 0 {
                    Some(shares[s.grants + rng.below(restricts)])
                } else {
                    None
                };
                let uniform = |rng: &mut Rng| Query {
                    user: rng.below(s.users) as u32,
                    document: rng.below(s.documents) as u32,
                    action,
                };
                let Some(share) = from else { return uniform(&mut rng) };
                let user = match share.who {
                    Who::User(u) => Some(u),
                    Who::Group(g) => rng.pick(&members[g as usize]).copied(),
                };
                let document = match share.target {
                    Target::Document(d) => Some(d),
                    Target::Folder(f) => rng.pick(&folder_docs[f as usize]).copied(),
                };
                match (user, document) {
                    (Some(user), Some(document)) => Query { user, document, action },
                    _ => uniform(&mut rng),
                }
            })
            .collect();

        Self {
            now,
            users: s.users,
            folders: s.folders,
            user_groups,
            group_parent,
            doc_folder,
            shares,
            queries,
        }
    }

    pub fn documents(&self) -> usize {
        self.doc_folder.len()
    }

    /// Indices of the shares on each document and on each folder.
    pub fn shares_by_target(&self) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
        let mut on_doc = vec![Vec::new(); self.documents()];
        let mut on_folder = vec![Vec::new(); self.folders];
        for (i, s) in self.shares.iter().enumerate() {
            match s.target {
                Target::Document(d) => on_doc[d as usize].push(i as u32),
                Target::Folder(f) => on_folder[f as usize].push(i as u32),
            }
        }
        (on_doc, on_folder)
    }
}
